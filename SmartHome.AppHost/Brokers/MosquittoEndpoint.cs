namespace Aspire.Hosting.ApplicationModel;

/// <summary>The one endpoint every broker resource has, and the connection string built from it.</summary>
internal static class MosquittoEndpoint
{
    public const string Name = "mqtt";

    public static ReferenceExpression ConnectionString(EndpointReference endpoint, bool useTls) =>
        useTls
            ? ReferenceExpression.Create($"mqtts://{endpoint.Property(EndpointProperty.Host)}:{endpoint.Property(EndpointProperty.Port)}")
            : ReferenceExpression.Create($"mqtt://{endpoint.Property(EndpointProperty.Host)}:{endpoint.Property(EndpointProperty.Port)}");
}
