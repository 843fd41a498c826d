using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace SmartHome.Messaging;

/// <summary>
/// Builds the broker connection of one identity (a device or the actuator) from configuration:
/// <c>ConnectionStrings:broker</c>, and for an authenticated broker <c>Broker:UsersFile</c> (the
/// KeyGen's users.json) or <c>Broker:Passwords:{identity}</c>, plus <c>Broker:CaCertificate</c> for TLS.
/// </summary>
public static class BrokerClientFactory
{
    public const string ConnectionName = "broker";

    public static MqttConnectionOptions CreateOptions(IConfiguration configuration, string identity, string clientId)
    {
        var connectionString = configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"No broker connection string: set ConnectionStrings:{ConnectionName} (the AppHost does this through WithReference).");
        }

        var options = new MqttConnectionOptions
        {
            ConnectionString = connectionString,
            ClientId = clientId,
            CaCertificatePath = NullIfEmpty(configuration["Broker:CaCertificate"]),
        };

        if (configuration.GetValue("Broker:Authenticate", false))
        {
            options.Username = identity;
            options.Password = FindPassword(configuration, identity);
        }

        return options;
    }

    public static MqttConnection Create(IConfiguration configuration, string identity, string clientId, ILogger logger) =>
        new(CreateOptions(configuration, identity, clientId), logger);

    private static string FindPassword(IConfiguration configuration, string identity)
    {
        var direct = configuration[$"Broker:Passwords:{identity}"];
        if (!string.IsNullOrEmpty(direct))
        {
            return direct;
        }

        var usersFile = configuration["Broker:UsersFile"];
        if (string.IsNullOrEmpty(usersFile))
        {
            throw new InvalidOperationException(
                $"The broker requires a password for '{identity}': set Broker:UsersFile (keys/broker/users.json) or Broker:Passwords:{identity}.");
        }

        if (!File.Exists(usersFile))
        {
            throw new FileNotFoundException($"Broker users file '{usersFile}' does not exist: run `dotnet run --project services/SmartHome.KeyGen`.", usersFile);
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(usersFile));
            if (document.RootElement.TryGetProperty("users", out var users)
                && users.TryGetProperty(identity, out var password)
                && password.ValueKind == JsonValueKind.String)
            {
                return password.GetString()!;
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Broker users file '{usersFile}' is not valid JSON: {ex.Message}", ex);
        }

        throw new InvalidOperationException($"Broker users file '{usersFile}' has no password for '{identity}'.");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
