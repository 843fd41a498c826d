using System.Reflection;
using System.Text;
using SmartHome.Actuator;

namespace SmartHome.Messaging.Tests;

/// <summary>docs/PROTOCOL.md names every reason the actuator can record, and its reading example is a reading.</summary>
public sealed class ProtocolDocumentTests
{
    private static readonly string Document = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "PROTOCOL.md"));

    [Fact]
    public void Every_reject_reason_of_the_actuator_is_in_the_decisions_table()
    {
        string table = Document[Document.IndexOf("## Decisions: every reject reason", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        var reasons = typeof(RejectReasons).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .Concat(SmartHome.Security.RejectReasons.All)
            .Append(ReadingProcessor.InternalError)
            .Distinct()
            .ToList();
        Assert.Contains("not-permitted", reasons);
        foreach (var reason in reasons)
        {
            Assert.True(table.Contains($"| `{reason}` |", StringComparison.Ordinal), $"'{reason}' is not in the decisions table");
        }
    }

    [Fact]
    public void The_reading_example_is_a_reading()
    {
        string section = Document[Document.IndexOf("## The reading", StringComparison.Ordinal)..];
        string example = section.Split('\n').First(l => l.StartsWith("    {\"messageId\"", StringComparison.Ordinal)).Trim();
        Assert.True(DeviceReading.TryParse(Encoding.UTF8.GetBytes(example), out var reading, out var error), error);
        // Written exactly as the sensor writes it.
        Assert.Equal(example, Encoding.UTF8.GetString(reading!.ToUtf8Json()));
    }
}
