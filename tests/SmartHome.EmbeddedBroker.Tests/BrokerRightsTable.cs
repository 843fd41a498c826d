using System.Text;

namespace SmartHome.EmbeddedBroker.Tests;

/// <summary>
/// The secure broker's rights, account × topic: the single source of docs/SECURITY.md's table (a test checks the document
/// holds exactly <see cref="Markdown"/>) and of <see cref="BrokerRightsTests"/>, which measures every cell on the real
/// Mosquitto and on the embedded broker. "own" is the account's own name (for the fleet account: one of its fleet
/// devices); "other" is another device.
/// </summary>
public static class BrokerRightsTable
{
    private const AclAccess N = AclAccess.None;
    private const AclAccess R = AclAccess.Read;
    private const AclAccess W = AclAccess.Write;
    private const AclAccess RW = AclAccess.ReadWrite;

    public static IReadOnlyList<string> Columns { get; } =
    [
        "smarthome/readings/<own>", "smarthome/readings/<other>", "smarthome/keys/<own>", "smarthome/keys/<other>",
        "smarthome/acks/<own>", "smarthome/acks/<other>", "other smarthome/#", "$SYS/#",
    ];

    /// <summary>One table row: its label, and the accounts it stands for (null: anonymous).</summary>
    public sealed record Row(string Label, IReadOnlyList<string?> Accounts, IReadOnlyList<AclAccess> Cells);

    public static IReadOnlyList<Row> Rows { get; } =
    [
        new("each device (`temp-living`, `door-front`, `smoke-kitchen`, `plug-garage`)", BrokerPair.Devices, [W, N, W, N, R, N, N, N]),
        new("`actuator` (reads `readings/+` and `keys/+`, writes `acks/+`)", ["actuator"], [R, R, R, R, W, W, N, N]),
        new("`monitor` (compromised-broker simulation)", ["monitor"], [RW, RW, RW, RW, RW, RW, RW, N]),
        new("`health` (the AppHost's broker health check)", ["health"], [N, N, N, N, N, N, N, N]),
        new("`auditor` (ACL prober)", ["auditor"], [N, N, N, N, N, N, N, N]),
        new("`fleet` (KeyGen `--fleet`; own = its `fleet-NNNN` devices)", ["fleet"], [W, N, W, N, R, N, N, N]),
        new("anonymous (login refused)", [null], [N, N, N, N, N, N, N, N]),
    ];

    public static string Markdown()
    {
        var sb = new StringBuilder();
        sb.Append("| account | ").AppendJoin(" | ", Columns.Select(c => $"`{c}`")).Append(" |\n");
        sb.Append("| --- |").Append(string.Concat(Columns.Select(_ => " --- |"))).Append('\n');
        foreach (var row in Rows)
        {
            sb.Append("| ").Append(row.Label).Append(" | ").AppendJoin(" | ", row.Cells.Select(Text)).Append(" |\n");
        }

        return sb.ToString();
    }

    public static string Text(AclAccess access) => access switch
    {
        AclAccess.Read => "read",
        AclAccess.Write => "write",
        AclAccess.ReadWrite => "read, write",
        _ => "—",
    };
}
