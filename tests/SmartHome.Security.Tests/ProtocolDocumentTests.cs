namespace SmartHome.Security.Tests;

/// <summary>The examples in docs/PROTOCOL.md are what the code reads and writes, not prose that may drift.</summary>
public class ProtocolDocumentTests
{
    private static readonly string Document = File.ReadAllText(Path.Combine(ConstantTimeScanTests.RepoRoot(), "docs", "PROTOCOL.md"));

    [Fact]
    public void The_registry_example_loads_and_is_what_KeyGen_writes()
    {
        // The indented JSON block of the registry section.
        string section = Document[Document.IndexOf("## The device registry", StringComparison.Ordinal)..];
        var lines = section.Split('\n').SkipWhile(l => l != "    {").TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)).ToList();
        Assert.Equal("    }", lines[^1]);
        string path = Path.Combine(Path.GetTempPath(), "shk-registry-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        try
        {
            File.WriteAllText(path, string.Join('\n', lines));
            var registry = DeviceRegistry.Load(path);
            Assert.Equal(KeyMaterialGenerator.DefaultDevices.Order(StringComparer.Ordinal), registry.Devices.Keys);
            foreach (var (id, profile) in registry.Devices)
            {
                var expected = DeviceRegistry.DefaultProfileFor(id);
                Assert.Equal(expected with { Values = null }, profile with { Values = null });
                Assert.Equal(expected.Values ?? [], profile.Values ?? []);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_document_states_the_codes_limits()
    {
        Assert.Contains($"**1..{DeviceIds.MaxLength} characters of `[a-z0-9-]`**", Document, StringComparison.Ordinal);
        Assert.Contains($"`{DeviceIds.Pattern}`", Document, StringComparison.Ordinal);
        Assert.Contains($"No message may exceed **{EnvelopeFormat.MaxMessageSize} bytes**", Document, StringComparison.Ordinal);
        foreach (string reason in RejectReasons.All)
        {
            Assert.Contains($"| `{reason}` |", Document, StringComparison.Ordinal);
        }
    }
}
