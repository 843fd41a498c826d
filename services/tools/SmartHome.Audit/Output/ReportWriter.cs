using System.Text.Json;

namespace SmartHome.Audit.Output;

/// <summary>Renders a report in one of the three formats.</summary>
public static class ReportWriter
{
    public static string Render(AuditReport report, ReportFormat format) => format switch
    {
        ReportFormat.Json => JsonSerializer.Serialize(report, AuditJson.Default.AuditReport),
        ReportFormat.Markdown => MarkdownReport.Render(report),
        _ => SarifReport.Render(report),
    };

    public static string Extension(ReportFormat format) => format switch
    {
        ReportFormat.Json => ".json",
        ReportFormat.Markdown => ".md",
        _ => ".sarif",
    };
}
