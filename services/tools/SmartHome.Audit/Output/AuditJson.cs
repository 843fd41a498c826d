using System.Text.Json.Serialization;

namespace SmartHome.Audit.Output;

/// <summary>The report's JSON form (docs/audit.schema.json): camelCase, indented, enums as their lowercase names.</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(AuditReport))]
public sealed partial class AuditJson : JsonSerializerContext;
