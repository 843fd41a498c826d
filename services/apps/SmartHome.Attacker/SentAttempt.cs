using System.Diagnostics;

namespace SmartHome.Attacker;

/// <summary>An attempt on its way to be judged: its span, and the layer that refused the connection it went out on, if any.</summary>
internal sealed record SentAttempt(PlannedAttempt Attempt, Activity? Span, string? RefusedBy);
