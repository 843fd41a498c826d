using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using SmartHome.Security;

namespace SmartHome.Messaging;

/// <summary>
/// Builds the broker connection of one identity (a device or the actuator) from configuration:
/// <c>ConnectionStrings:broker</c>, and for an authenticated broker <c>Broker:PasswordFiles:{identity}</c> (that
/// identity's own password file from KeyGen) or <c>Broker:Passwords:{identity}</c>, plus <c>Broker:CaCertificate</c> for TLS.
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
            // Broker:Username/Broker:Password: one login for every identity of this process (an external broker's
            // pipeline login, Broker:Mode=external); otherwise each identity is its own broker account.
            options.Username = NullIfEmpty(configuration["Broker:Username"]) ?? identity;
            options.Password = NullIfEmpty(configuration["Broker:Password"]) ?? FindPassword(configuration, identity);
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

        // Only this identity's own file: a process is never handed a file with other accounts' passwords.
        var file = configuration[$"Broker:PasswordFiles:{identity}"];
        if (string.IsNullOrEmpty(file))
        {
            throw new InvalidOperationException(
                $"The broker requires a password for '{identity}': set Broker:PasswordFiles:{identity} (keys/private/{identity}/broker.password) " +
                $"or Broker:Passwords:{identity}.");
        }

        return BrokerPasswords.ReadPasswordFile(file);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
