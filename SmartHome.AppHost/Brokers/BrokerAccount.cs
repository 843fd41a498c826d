namespace Aspire.Hosting.ApplicationModel;

/// <summary>A broker login.</summary>
public sealed record BrokerAccount(string Username, string Password);
