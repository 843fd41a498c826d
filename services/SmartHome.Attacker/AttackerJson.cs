using System.Text.Json.Serialization;

namespace SmartHome.Attacker;

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(CampaignReport))]
[JsonSerializable(typeof(AttackResult))]
[JsonSerializable(typeof(List<VictimDecision>))]
[JsonSerializable(typeof(VictimSummary))]
[JsonSerializable(typeof(PublishResponse))]
[JsonSerializable(typeof(FloodResult))]
[JsonSerializable(typeof(FloodStatus))]
[JsonSerializable(typeof(SmartHome.ServiceDefaults.ProcessStats))]
public sealed partial class AttackerJson : JsonSerializerContext;
