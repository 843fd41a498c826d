namespace SmartHome.Contracts;

/// <summary>The sensor's answer to POST /publish: <see cref="DeviceIds"/>[i] sent <see cref="MessageIds"/>[i].</summary>
public sealed record PublishResponse(int Published, IReadOnlyList<string> MessageIds, IReadOnlyList<string>? DeviceIds = null);
