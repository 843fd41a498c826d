using SmartHome.Contracts;

namespace SmartHome.Console;

/// <summary>The browser's event types (one SSE stream, <c>GET /api/events</c>); the page's script switches on them.</summary>
public static class ConsoleEvents
{
    /// <summary>A decision of a home's actuator (or, without one, its state), as <see cref="HomeEvent"/>.</summary>
    public const string Home = "home";

    /// <summary>Whether the console is connected to a home's actuator, as <see cref="LinkEvent"/>.</summary>
    public const string Link = "link";

    /// <summary>One attack × level of a run, as <see cref="CellEvent"/>.</summary>
    public const string Cell = "cell";

    /// <summary>A run started or ended, as <see cref="RunEvent"/>.</summary>
    public const string Run = "run";

    /// <summary>A home's broker, sensor or actuator changed state (running, stopped, ...), as <see cref="ResourceEvent"/>.</summary>
    public const string Resource = "resource";
}

/// <param name="Layer">The layer that refused it (<see cref="Layers.FromRejectReason"/>), for rejections.</param>
/// <param name="TraceUrl">The decision's trace in the dashboard, when both are known.</param>
/// <param name="Skipped">Decisions of this home not shown since the previous one (the per-second row budget).</param>
public sealed record HomeEvent(string Pipeline, Decision? Decision, HomeSnapshot State, string? Layer, string? TraceUrl, long Skipped);

public sealed record LinkEvent(string Pipeline, bool Connected, string Message);

/// <param name="Status"><c>queued</c>, <c>running</c>, <c>done</c> or <c>failed</c>.</param>
public sealed record CellEvent(long RunId, string Pipeline, string Attack, string Level, string Status, AttackResult? Result, string? Message);

/// <param name="Status"><c>started</c> or <c>finished</c>.</param>
public sealed record RunEvent(long RunId, string Status, string Description, IReadOnlyList<string> Pipelines, IReadOnlyList<string> Attacks,
    IReadOnlyList<string> Levels, string? Message);

/// <param name="Role"><c>broker</c>, <c>sensor</c> or <c>actuator</c>.</param>
/// <param name="State">Aspire's state of the resource (<c>Running</c>, <c>Stopping</c>, <c>Exited</c>, ...).</param>
/// <param name="Health">Aspire's health of it (<c>Healthy</c>, <c>Unhealthy</c>, ...), when known.</param>
public sealed record ResourceEvent(string Pipeline, string Role, string State, string? Health);
