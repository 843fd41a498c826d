namespace SmartHome.Audit;

/// <summary>One exchange with the broker: what the audit sent and what came back (never a password).</summary>
public sealed record Evidence(string Sent, string Received);
