using Xunit.Abstractions;

namespace SmartHome.IntegrationTests;

/// <summary>
/// The attack campaign (<see cref="AttackCampaignTests"/>, same catalogue, same assertions: the insecure
/// pipeline loses the classic four 100/100, the secure one blocks every attempt with no false rejection) against an
/// AppHost whose brokers are the embedded fallback, so both broker implementations must produce the same outcomes.
/// Its own app instance, like the Mosquitto run.
/// </summary>
public sealed class EmbeddedAttackCampaignTests(EmbeddedModeFixture embedded, ITestOutputHelper output) : IClassFixture<EmbeddedModeFixture>
{
    // ~4.5 min incl. app start. The insider's logins as plug-garage (client id = username) knock the real sensor off
    // either broker; its QoS 1 re-sends of readings already applied are refused as "replay" duplicates, which the shared
    // assertions count separately from false rejections (every legit reading must still be applied).
    [Fact]
    public Task The_campaign_has_the_same_outcomes_with_the_embedded_brokers() =>
        new AttackCampaign(embedded.App, output).RunAsync();
}
