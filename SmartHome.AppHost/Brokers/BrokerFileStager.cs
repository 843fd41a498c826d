using System.Diagnostics;

namespace SmartHome.AppHost.Brokers;

/// <summary>
/// Writes a hosted broker's folder just before each start: mosquitto.conf, and copies of its password, ACL and TLS files.
/// Done at start, not while the model is built, because KeyGen (a resource itself) may only now have created them.
/// </summary>
internal static class BrokerFileStager
{
    public static void Stage(IHostedMosquittoBroker broker)
    {
        var settings = broker.Settings;
        var directory = settings.Directory;
        var inContainer = broker is MosquittoContainerResource;
        // Paths as the broker sees them: the container reads the same folder through its bind mount.
        var brokerSide = inContainer ? MosquittoContainerResource.ConfigDirectory : directory;
        Directory.CreateDirectory(Path.Combine(directory, "data"));

        string? Copy(string? source, string fileName)
        {
            if (source is null)
            {
                return null;
            }

            if (!File.Exists(source))
            {
                throw new FileNotFoundException($"Broker file '{source}' does not exist: run `dotnet run --project services/tools/SmartHome.KeyGen`.", source);
            }

            File.Copy(source, Path.Combine(directory, fileName), overwrite: true);
            return Path.Combine(brokerSide, fileName);
        }

        string? aclFile = null;
        if (settings.AclText is not null)
        {
            File.WriteAllText(Path.Combine(directory, "acl"), settings.AclText());
            aclFile = Path.Combine(brokerSide, "acl");
        }

        var config = new MosquittoConfig
        {
            Port = inContainer ? MosquittoContainerResource.ContainerPort : settings.Port,
            BindAddress = inContainer ? "0.0.0.0" : "127.0.0.1",
            PersistenceDirectory = Path.Combine(brokerSide, "data"),
            PasswordFile = Copy(settings.PasswordFile, "passwd"),
            AclFile = aclFile,
            CaFile = Copy(settings.Tls?.CaFile, "ca.crt.pem"),
            CertFile = Copy(settings.Tls?.CertFile, "server.crt.pem"),
            KeyFile = Copy(settings.Tls?.KeyFile, "server.key.pem"),
        };
        File.WriteAllText(settings.ConfigFile, config.Render());
        GrantBrokerAccess(directory);
    }

    /// <summary>
    /// Mosquitto started as root drops to the user 'mosquitto', which must be able to read its
    /// config, passwords and TLS key and write its persistence directory.
    /// </summary>
    private static void GrantBrokerAccess(string directory)
    {
        if (OperatingSystem.IsWindows() || Environment.UserName != "root" || !Supervision.ParentDeathSignal.UserExists("mosquitto"))
        {
            return;
        }

        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", "mosquitto:", directory])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        });
        chown?.WaitForExit(5000);
    }
}
