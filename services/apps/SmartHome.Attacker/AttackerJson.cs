using System.Text.Json.Serialization;
using SmartHome.Contracts;

namespace SmartHome.Attacker;

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(CampaignReport))]
[JsonSerializable(typeof(AttackResult))]
[JsonSerializable(typeof(List<Decision>))]
[JsonSerializable(typeof(DecisionSummary))]
[JsonSerializable(typeof(PublishResponse))]
[JsonSerializable(typeof(FloodResult))]
[JsonSerializable(typeof(FloodStatus))]
[JsonSerializable(typeof(ProcessStats))]
public sealed partial class AttackerJson : JsonSerializerContext;
