using MQTTnet;
using Xunit.Abstractions;
using Client = SmartHome.EmbeddedBroker.Tests.SameAnswersAsMosquittoTests.Client;

namespace SmartHome.EmbeddedBroker.Tests;

/// <summary>
/// Every cell of docs/SECURITY.md's broker-rights table, measured by delivery on the real Mosquitto and on the embedded broker
/// (a PUBACK alone proves nothing: Mosquitto may acknowledge what its ACL drops). Write: the account publishes QoS 1 and
/// the observer (reads everything) must or must not receive it. Read: the observer publishes to the topic and the
/// account's subscription must or must not deliver it; for $SYS the broker's own retained $SYS/broker/version is the
/// message.
/// </summary>
public sealed class BrokerRightsTests(BrokerPair brokers, ITestOutputHelper output) : IClassFixture<BrokerPair>
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(1500);

    /// <summary>Columns that are ordinary topics (the last one is $SYS).</summary>
    private static readonly int TopicColumns = BrokerRightsTable.Columns.Count - 1;

    /// <summary>One account measured against the table's columns: own and other device ids fill in the topics.</summary>
    private sealed record Probe(string Row, string? Account, string Own, string Other);

    private static IEnumerable<Probe> Probes() =>
        BrokerRightsTable.Rows.SelectMany(row => row.Accounts.Select(account => account switch
        {
            null => new Probe(row.Label, null, "anonymous", "temp-living"),
            "fleet" => new Probe(row.Label, account, BrokerPair.FleetDevices[0], "temp-living"),
            _ when BrokerPair.Devices.Contains(account) =>
                new Probe(row.Label, account, account, BrokerPair.Devices[(Array.IndexOf(BrokerPair.Devices, account) + 1) % BrokerPair.Devices.Length]),
            _ => new Probe(row.Label, account, account, "temp-living"),
        }));

    private static string Topic(Probe probe, int column) => column switch
    {
        0 => $"smarthome/readings/{probe.Own}",
        1 => $"smarthome/readings/{probe.Other}",
        2 => $"smarthome/keys/{probe.Own}",
        3 => $"smarthome/keys/{probe.Other}",
        4 => $"smarthome/acks/{probe.Own}",
        5 => $"smarthome/acks/{probe.Other}",
        6 => $"smarthome/commands/{probe.Own}",
        _ => $"$SYS/smarthome/{probe.Own}",
    };

    [Fact]
    public void The_security_document_holds_exactly_this_table()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "SmartHome.sln")))
        {
            root = root.Parent;
        }

        var document = File.ReadAllText(Path.Combine(root!.FullName, "docs", "SECURITY.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains(BrokerRightsTable.Markdown(), document, StringComparison.Ordinal);
    }

    // One test per broker: the embedded broker is what a machine without mosquitto runs, so its half never needs mosquitto.
    [ToolFact("mosquitto")]
    public Task Every_cell_of_the_table_holds_on_mosquitto() => AssertTableHoldsAsync(brokers.MosquittoSecure);

    [Fact]
    public Task Every_cell_of_the_table_holds_on_the_embedded_broker() => AssertTableHoldsAsync(brokers.EmbeddedSecure);

    private async Task AssertTableHoldsAsync(BrokerTarget target)
    {
        var expected = Probes().SelectMany(p => Enumerable.Range(0, BrokerRightsTable.Columns.Count).Select(c =>
            $"{p.Account ?? "anonymous"} {BrokerRightsTable.Columns[c]} ({Topic(p, c)}): " +
            BrokerRightsTable.Text(BrokerRightsTable.Rows.Single(r => r.Label == p.Row).Cells[c]))).ToList();
        var measured = await MeasureAsync(target);
        var wrong = expected.Zip(measured, (e, m) => e == m ? null : $"expected {e}, measured {m}").OfType<string>().ToList();
        output.WriteLine($"{target.Name}: {measured.Count} cells, {wrong.Count} wrong");
        Assert.True(wrong.Count == 0, $"{target.Name}:\n" + string.Join('\n', wrong));
    }

    private async Task<List<string>> MeasureAsync(BrokerTarget target)
    {
        var probes = Probes().ToList();
        await using var observer = await Client.ConnectAsync(target, brokers, BrokerPair.Observer);
        await observer.SubscribeAsync("#", "$SYS/#");
        var clients = new Dictionary<Probe, Client?>();
        try
        {
            foreach (var probe in probes)
            {
                if (probe.Account is null)
                {
                    Assert.Equal("refused", await AnonymousLoginAsync(target));
                    clients[probe] = null;
                    continue;
                }

                var client = await Client.ConnectAsync(target, brokers, probe.Account);
                clients[probe] = client;
                await client.SubscribeAsync([.. Enumerable.Range(0, TopicColumns).Select(c => Topic(probe, c)), "$SYS/#"]);
            }

            foreach (var (probe, client) in clients)
            {
                for (var c = 0; c < BrokerRightsTable.Columns.Count && client is not null; c++)
                {
                    await client.PublishAsync(Topic(probe, c), $"w|{probe.Account}|{c}");
                }

                for (var c = 0; c < TopicColumns; c++)
                {
                    await observer.PublishAsync(Topic(probe, c), $"r|{probe.Account ?? "anonymous"}|{c}");
                }
            }

            await Task.Delay(Settle);
            var seen = observer.Messages.ToHashSet(StringComparer.Ordinal);
            // Controls: the observer sees every read message it published and the broker's $SYS, so an absence is a denial.
            Assert.Contains(seen, m => m.StartsWith("$SYS/broker/version:", StringComparison.Ordinal));
            Assert.All(probes.SelectMany(p => Enumerable.Range(0, TopicColumns).Select(c => $"{Topic(p, c)}:r|{p.Account ?? "anonymous"}|{c}")),
                m => Assert.Contains(m, seen));

            var cells = new List<string>();
            foreach (var probe in probes)
            {
                var received = clients[probe]?.Messages.ToHashSet(StringComparer.Ordinal) ?? [];
                for (var c = 0; c < BrokerRightsTable.Columns.Count; c++)
                {
                    var topic = Topic(probe, c);
                    var write = probe.Account is not null && seen.Contains($"{topic}:w|{probe.Account}|{c}");
                    var read = c < TopicColumns
                        ? received.Contains($"{topic}:r|{probe.Account}|{c}")
                        : received.Any(m => m.StartsWith("$SYS/", StringComparison.Ordinal));
                    var access = (read ? AclAccess.Read : AclAccess.None) | (write ? AclAccess.Write : AclAccess.None);
                    cells.Add($"{probe.Account ?? "anonymous"} {BrokerRightsTable.Columns[c]} ({topic}): {BrokerRightsTable.Text(access)}");
                }
            }

            return cells;
        }
        finally
        {
            foreach (var client in clients.Values.OfType<Client>())
            {
                await client.DisposeAsync();
            }
        }
    }

    private async Task<string> AnonymousLoginAsync(BrokerTarget target)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var result = await client.ConnectAsync(Client.Options(target, null, null, brokers.CaFile));
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return "refused";
            }

            await client.DisconnectAsync();
            return "accepted";
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException)
        {
            return "refused";
        }
    }
}
