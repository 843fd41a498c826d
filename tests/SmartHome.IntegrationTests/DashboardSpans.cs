using System.Text.Json;

namespace SmartHome.IntegrationTests;

/// <summary>A span as the dashboard's telemetry API returns it (OTLP JSON), flattened for assertions.</summary>
public sealed record DashboardSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>Reads OTLP JSON <c>resourceSpans</c> wherever the API nests them.</summary>
public static class DashboardSpans
{
    public static IEnumerable<DashboardSpan> Read(JsonElement root)
    {
        foreach (var resourceSpans in FindArrays(root, "resourceSpans"))
        {
            foreach (var rs in resourceSpans.EnumerateArray())
            {
                var resourceAttributes = rs.TryGetProperty("resource", out var resource) ? Attributes(resource) : new Dictionary<string, string>();
                var service = resourceAttributes.GetValueOrDefault("service.name", string.Empty);
                if (!rs.TryGetProperty("scopeSpans", out var scopes))
                {
                    continue;
                }

                foreach (var scope in scopes.EnumerateArray())
                {
                    if (!scope.TryGetProperty("spans", out var spans))
                    {
                        continue;
                    }

                    foreach (var span in spans.EnumerateArray())
                    {
                        yield return new DashboardSpan(
                            service,
                            Text(span, "traceId"),
                            Text(span, "spanId"),
                            Text(span, "parentSpanId"),
                            Text(span, "name"),
                            Attributes(span));
                    }
                }
            }
        }
    }

    private static IEnumerable<JsonElement> FindArrays(JsonElement element, string name)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.NameEquals(name) && property.Value.ValueKind == JsonValueKind.Array)
                    {
                        yield return property.Value;
                    }
                    else
                    {
                        foreach (var found in FindArrays(property.Value, name))
                        {
                            yield return found;
                        }
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var found in FindArrays(item, name))
                    {
                        yield return found;
                    }
                }

                break;
        }
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;

    private static Dictionary<string, string> Attributes(JsonElement element)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!element.TryGetProperty("attributes", out var attributes) || attributes.ValueKind != JsonValueKind.Array)
        {
            return result;
        }

        foreach (var attribute in attributes.EnumerateArray())
        {
            var key = Text(attribute, "key");
            if (attribute.TryGetProperty("value", out var value))
            {
                foreach (var typed in value.EnumerateObject())
                {
                    result[key] = typed.Value.ValueKind == JsonValueKind.String ? typed.Value.GetString()! : typed.Value.GetRawText();
                }
            }
        }

        return result;
    }
}
