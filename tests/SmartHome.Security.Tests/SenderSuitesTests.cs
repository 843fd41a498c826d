namespace SmartHome.Security.Tests;

/// <summary>Each device's sending suite: the deployment's when its pin allows it (or it has none), else its pin's first.</summary>
public sealed class SenderSuitesTests
{
    private static DeviceProfile Pinned(params string[] suites) =>
        DeviceRegistry.DefaultProfileFor("temp-x") with { Suites = suites };

    private static readonly DeviceRegistry Registry = new([
        new("temp-modern", Pinned(CryptoSuites.ModernName)),
        new("temp-session-then-seed", Pinned(CryptoSuites.SessionSignedName, CryptoSuites.SeedName)),
        new("temp-open", DeviceRegistry.DefaultProfileFor("temp-open")),
    ]);

    [Theory]
    [InlineData(CryptoSuite.Seed, CryptoSuite.Modern, CryptoSuite.Seed, CryptoSuite.Seed, CryptoSuite.Seed)]
    [InlineData(CryptoSuite.Modern, CryptoSuite.Modern, CryptoSuite.SessionSigned, CryptoSuite.Modern, CryptoSuite.Modern)]
    [InlineData(CryptoSuite.SessionSigned, CryptoSuite.Modern, CryptoSuite.SessionSigned, CryptoSuite.SessionSigned, CryptoSuite.SessionSigned)]
    public void The_deployment_suite_when_allowed_else_the_first_pinned(CryptoSuite deployment, CryptoSuite modernPin,
        CryptoSuite sessionThenSeed, CryptoSuite unpinned, CryptoSuite unregistered)
    {
        var choices = SenderSuites.Choose(deployment, Registry, ["temp-modern", "temp-session-then-seed", "temp-open", "temp-unregistered"]);

        Assert.Equal([modernPin, sessionThenSeed, unpinned, unregistered], choices.Select(c => c.Suite));
        // Pinned says the pin, not the deployment, decided.
        Assert.All(choices, c => Assert.Equal(c.Suite != deployment, c.Pinned));
    }

    [Fact]
    public void Without_a_registry_every_device_uses_the_deployment_suite_once()
    {
        var choices = SenderSuites.Choose(CryptoSuite.Modern, null, ["a-1", "b-2", "a-1"]);

        Assert.Equal([new("a-1", CryptoSuite.Modern, false), new DeviceSuiteChoice("b-2", CryptoSuite.Modern, false)], choices);
    }
}
