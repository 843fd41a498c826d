using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SmartHome.Messaging.Tests.InteropRig;

/// <summary>
/// Runs one of the node senders in interop/ (written from docs/PROTOCOL.md with node's crypto module only): writes the
/// request to a file, runs node on it and returns the messages it printed, in order. Fails the test with node's stderr
/// when node fails.
/// </summary>
public static class NodeSealer
{
    public static IReadOnlyList<SealedMessage> Seal(string script, JsonObject request)
    {
        using var output = Run(script, request);
        return output.RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => new SealedMessage(m.GetProperty("topic").GetString()!, Convert.FromHexString(m.GetProperty("hex").GetString()!)))
            .ToList();
    }

    /// <summary>Runs interop/<paramref name="script"/> on <paramref name="request"/> and returns the JSON it printed.</summary>
    public static JsonDocument Run(string script, JsonObject request)
    {
        var requestPath = Path.Combine(Path.GetTempPath(), $"smarthome-node-request-{Guid.NewGuid():N}.json");
        File.WriteAllText(requestPath, request.ToJsonString());
        try
        {
            var psi = new ProcessStartInfo(HostTools.Find("node")!, [Path.Combine(AppContext.BaseDirectory, "interop", script), requestPath])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var node = Process.Start(psi)!;
            var stdout = node.StandardOutput.ReadToEndAsync();
            var stderr = node.StandardError.ReadToEndAsync();
            if (!node.WaitForExit(30_000))
            {
                node.Kill(entireProcessTree: true);
                Assert.Fail($"node {script} did not finish in 30 s");
            }
            Assert.True(node.ExitCode == 0, $"node {script}: {stderr.Result}");
            return JsonDocument.Parse(stdout.Result);
        }
        finally
        {
            File.Delete(requestPath);
        }
    }

    /// <summary>A reading as docs/PROTOCOL.md's "The reading" defines it, sent now.</summary>
    public static JsonObject Reading(string messageId, string deviceId, string kind, double value, long sequence = 1) => new()
    {
        ["messageId"] = messageId, ["deviceId"] = deviceId, ["kind"] = kind, ["value"] = value,
        ["sequence"] = sequence, ["sentAtMicros"] = DeviceReading.NowMicros(TimeProvider.System),
    };
}
