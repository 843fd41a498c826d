using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SmartHome.EmbeddedBroker.Tests;

/// <summary>
/// The first commands a user types: the real mosquitto_sub and mosquitto_pub binaries (MQTT 3.1.1 by default, and
/// <c>-V mqttv5</c>), with no client id (they send an empty one), against the real Mosquitto and the embedded broker
/// started from the same files. Both must connect them, deliver the published message, and refuse or accept empty
/// client ids at the CONNECT level exactly alike.
/// </summary>
public sealed partial class StockClientTests(BrokerPair brokers, ITestOutputHelper output) : IClassFixture<BrokerPair>
{
    public static TheoryData<string, bool> Versions => new()
    {
        { "mqttv311", false },
        { "mqttv5", false },
        { "mqttv311", true },
        { "mqttv5", true },
    };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Mosquitto_sub_and_pub_without_a_client_id_connect_and_deliver_on_both_brokers(string version, bool secure)
    {
        var outcomes = new List<string>();
        foreach (var target in secure ? new[] { brokers.MosquittoSecure, brokers.EmbeddedSecure } : new[] { brokers.MosquittoInsecure, brokers.EmbeddedInsecure })
        {
            var outcome = await SubscribeThenPublishAsync(target, version);
            output.WriteLine($"{target.Name}: {outcome}");
            outcomes.Add(outcome);
        }

        Assert.Equal(outcomes[0], outcomes[1]);
        // Both cannot be wrong the same way: a stock client with an empty id is accepted (CONNACK 0) and gets the message.
        Assert.Equal("sub-connack=0 subscribed got=[smarthome/readings/door-front stock-client-reading] pub-exit=0 sub-exit=0", outcomes[0]);
    }

    [Fact]
    public async Task An_empty_client_id_is_refused_only_on_mqtt311_without_clean_session_and_assigned_otherwise()
    {
        var outcomes = new List<string>();
        foreach (var target in new[] { brokers.MosquittoInsecure, brokers.EmbeddedInsecure })
        {
            var v311Clean = await RawConnect.ConnAckAsync(target.Port, RawConnect.Packet(4, "", cleanStart: true));
            var v311Persistent = await RawConnect.ConnAckAsync(target.Port, RawConnect.Packet(4, "", cleanStart: false));
            var v5Clean = await RawConnect.ConnAckAsync(target.Port, RawConnect.Packet(5, "", cleanStart: true));
            var v5Persistent = await RawConnect.ConnAckAsync(target.Port, RawConnect.Packet(5, "", cleanStart: false));
            var outcome = $"v311-clean=[{v311Clean}] v311-persistent=[{v311Persistent}] v5-clean=[{v5Clean}] v5-persistent=[{v5Persistent}]";
            output.WriteLine($"{target.Name}: {outcome}");
            outcomes.Add(outcome);
        }

        Assert.Equal(outcomes[0], outcomes[1]);
        // MQTT 3.1.1 §3.1.3-8: an empty id with CleanSession 0 is answered with return code 2 (identifier rejected);
        // MQTT 5 §3.1.3-6/7: the server assigns an id and returns it as Assigned Client Identifier (0x12).
        Assert.StartsWith("v311-clean=[CONNACK(0,0)] v311-persistent=[CONNACK(0,2)] v5-clean=[CONNACK(0,0) ", outcomes[0], StringComparison.Ordinal);
        Assert.Contains("0x12=auto-<36>", outcomes[0], StringComparison.Ordinal);
    }

    /// <summary>mosquitto_sub -C 1 in the background until its SUBACK, then mosquitto_pub, then the subscriber's output.</summary>
    private async Task<string> SubscribeThenPublishAsync(BrokerTarget target, string version)
    {
        const string Topic = "smarthome/readings/door-front";
        // TLS: the certificate names localhost (the name the clients check), and the listener is on 127.0.0.1.
        var host = target.Tls ? "localhost" : "127.0.0.1";
        var common = new List<string> { "-h", host, "-p", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", version };
        var subscriberLogin = new List<string>();
        var publisherLogin = new List<string>();
        if (target.Tls)
        {
            common.AddRange(["--cafile", brokers.CaFile]);
            subscriberLogin.AddRange(["-u", "monitor", "-P", brokers.Passwords["monitor"]]);
            publisherLogin.AddRange(["-u", "door-front", "-P", brokers.Passwords["door-front"]]);
        }

        using var subscriber = Start("mosquitto_sub", [.. common, .. subscriberLogin, "-d", "-v", "-q", "1", "-C", "1", "-W", "15", "-t", "smarthome/#"]);
        var lines = new List<string>();
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            if (e.Data.Contains("received SUBACK", StringComparison.Ordinal))
            {
                subscribed.TrySetResult();
            }
        };
        subscriber.BeginOutputReadLine();
        subscriber.BeginErrorReadLine();
        var ready = await Task.WhenAny(subscribed.Task, subscriber.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(10))) == subscribed.Task;

        var publishExit = "-";
        if (ready)
        {
            using var publisher = Start("mosquitto_pub", [.. common, .. publisherLogin, "-q", "1", "-t", Topic, "-m", "stock-client-reading"]);
            publisher.BeginOutputReadLine();
            publisher.BeginErrorReadLine();
            publishExit = await WaitAsync(publisher);
        }

        var subscribeExit = await WaitAsync(subscriber);
        string[] seen;
        lock (lines)
        {
            seen = [.. lines];
        }

        output.WriteLine($"{target.Name} mosquitto_sub -V {version}:\n  " + string.Join("\n  ", seen));
        var connAck = seen.Select(l => ConnAckLine().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value ?? "none";
        var got = seen.Where(l => l.StartsWith("smarthome/", StringComparison.Ordinal));
        return $"sub-connack={connAck} {(ready ? "subscribed" : "not-subscribed")} got=[{string.Join(' ', got)}] pub-exit={publishExit} sub-exit={subscribeExit}";
    }

    private static Process Start(string tool, IEnumerable<string> arguments)
    {
        // stdbuf: mosquitto_sub's -d lines would otherwise sit in a pipe buffer until it exits, and the test waits for its SUBACK line.
        var info = new ProcessStartInfo("/usr/bin/stdbuf")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add("-oL");
        info.ArgumentList.Add(Path.Combine("/usr/bin", tool));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start (apt-get install mosquitto-clients)");
    }

    private static async Task<string> WaitAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return "timeout";
        }
    }

    // "Client (null) received CONNACK (0)" in MQTT 3.1.1, "Client auto-… received CONNACK (0)" in MQTT 5.
    [GeneratedRegex(@"received CONNACK \((\d+)\)")]
    private static partial Regex ConnAckLine();
}
