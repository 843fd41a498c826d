using SmartHome.Security;

namespace SmartHome.Messaging;

/// <summary>
/// Runs a startup step whose expected failures — bad configuration, missing or corrupt key files — must end
/// the service with one sentence on stderr, not a stack trace.
/// </summary>
public static class StartupCheck
{
    public static bool TryRun<T>(Func<T> step, string failurePrefix, out T value)
    {
        try
        {
            value = step();
            return true;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            Console.Error.WriteLine(failurePrefix + SmartHome.ServiceDefaults.ValidatedOptionsExtensions.Sentences(ex));
            value = default!;
            return false;
        }
        catch (Exception ex) when (ex is KeyMaterialException or IOException or InvalidOperationException or FormatException)
        {
            Console.Error.WriteLine(failurePrefix + ex.Message);
            value = default!;
            return false;
        }
    }
}
