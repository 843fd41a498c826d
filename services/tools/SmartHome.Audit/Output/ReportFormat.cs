namespace SmartHome.Audit.Output;

/// <summary>The output formats of <c>--format</c>.</summary>
public enum ReportFormat
{
    Json,
    Markdown,
    Sarif,
}
