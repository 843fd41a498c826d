using SmartHome.ServiceDefaults;

namespace SmartHome.Console;

/// <summary>Home console settings (section <c>Console</c>), validated at start.</summary>
public sealed class ConsoleOptions : IValidatableOptions
{
    public const string SectionName = "Console";

    public const int MaxAttempts = 1_000;

    /// <summary>The Aspire dashboard (the AppHost sets it), so each decision row links to its trace; none: rows carry no link.</summary>
    public string? DashboardUrl { get; set; }

    /// <summary>
    /// The AppHost's pipeline control surface (the AppHost sets it: a loopback address of its own process), through which the
    /// console stops and starts each home's broker, sensor and actuator; none: those controls say they need the AppHost.
    /// </summary>
    public string? PipelineControlUrl { get; set; }

    /// <summary>Attempts per attack × level that the attack controls offer first (a demo wants seconds, not the report's 100).</summary>
    public int Attempts { get; set; } = 10;

    /// <summary>How long the announcement flood runs per level from the console (the attacker's default is 60 s).</summary>
    public double AnnouncementFloodSeconds { get; set; } = 5;

    /// <summary>Decision rows sent to the browser per home and second; state changes always go through (a flood must not drown the page).</summary>
    public int DecisionRowsPerSecond { get; set; } = 20;

    public Uri? Dashboard => string.IsNullOrWhiteSpace(DashboardUrl) ? null : new Uri(DashboardUrl.TrimEnd('/') + "/");

    public Uri? PipelineControl => string.IsNullOrWhiteSpace(PipelineControlUrl) ? null : new Uri(PipelineControlUrl.TrimEnd('/') + "/");

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!string.IsNullOrWhiteSpace(PipelineControlUrl)
            && (!Uri.TryCreate(PipelineControlUrl, UriKind.Absolute, out var control) || control.Scheme != "http" || !control.IsLoopback))
        {
            // It carries the control secret: never off this machine.
            problems.Add($"Console:PipelineControlUrl must be an http address on this machine (loopback) (is '{PipelineControlUrl}').");
        }

        if (!string.IsNullOrWhiteSpace(DashboardUrl)
            && (!Uri.TryCreate(DashboardUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            problems.Add($"Console:DashboardUrl must be an absolute http(s) address (is '{DashboardUrl}').");
        }

        if (Attempts is < 1 or > MaxAttempts)
        {
            problems.Add($"Console:Attempts must be 1..{MaxAttempts} (is {Attempts}).");
        }

        if (AnnouncementFloodSeconds is < 0.5 or > 600)
        {
            problems.Add($"Console:AnnouncementFloodSeconds must be 0.5..600 (is {AnnouncementFloodSeconds}).");
        }

        if (DecisionRowsPerSecond < 1)
        {
            problems.Add($"Console:DecisionRowsPerSecond must be at least 1 (is {DecisionRowsPerSecond}).");
        }

        return problems;
    }
}
