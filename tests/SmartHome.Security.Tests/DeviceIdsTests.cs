using System.Text;

namespace SmartHome.Security.Tests;

/// <summary>The one device id rule ([a-z0-9-]{1,48}) and the places that must apply it.</summary>
public class DeviceIdsTests
{
    public static TheoryData<string> ValidIds() => ["temp-living", "plug-garage", "attacker", "fleet-0001", "a", "0", "-", new string('x', 48)];

    public static TheoryData<string> InvalidIds() =>
        ["", new string('x', 49), "Temp-Living", "temp.living", "temp_living", "a/b", "+", "#", "a b", "..", "caf\u00e9", "temp-living\n"];

    [Theory]
    [MemberData(nameof(ValidIds))]
    public void Valid_ids_pass_everywhere(string id)
    {
        Assert.True(DeviceIds.IsValid(id));
        Assert.True(EnvelopeFormat.IsValidSenderId(id));
        Assert.Matches(DeviceIds.Pattern, id);
        Assert.Equal(id, DeviceIds.Require(id, "id"));
        Assert.EndsWith(id + ".dsa.pub.pem", new KeyPaths("/tmp/k").DevicePublicKey(id), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public void Invalid_ids_are_refused_everywhere_with_the_rule(string id)
    {
        Assert.False(DeviceIds.IsValid(id));
        Assert.False(EnvelopeFormat.IsValidSenderId(id));
        Assert.DoesNotMatch(DeviceIds.Pattern, id);
        var keys = TestKeys.Shared;
        var ex = Assert.Throws<ArgumentException>(() => new EnvelopeSender(id, keys.DevicePrivate, keys.ActuatorPublic));
        Assert.Contains(DeviceIds.Rule, ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new KeyPaths("/tmp/k").DevicePrivateKey(id));
        Assert.Throws<ArgumentException>(() => new EnvelopeReceiver(keys.ActuatorPrivate, [new(id, keys.DevicePublic)], ReplayStore.InMemory()));
        var registry = Assert.Throws<ArgumentException>(() => new DeviceRegistry([new(id, DeviceRegistry.DefaultProfileFor("temp-x"))]));
        Assert.Contains(DeviceIds.Rule, registry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sender_id_with_an_upper_case_letter_on_the_wire_is_malformed()
    {
        using var rig = new Rig();
        byte[] data = rig.SealDelivered("{}"u8);
        data[3] = (byte)'T'; // "temp-living" -> "Temp-living": was a valid id under the old rule, now outside it
        ReceiveResult r = rig.Receiver.Receive(rig.DataTopic, data);
        Assert.Equal(RejectReasons.Malformed, r.Reason);
        Assert.Contains("[a-z0-9-]", r.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyPaths_lists_only_files_whose_name_is_a_valid_id()
    {
        string dir = Path.Combine(Path.GetTempPath(), "shk-ids-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var paths = new KeyPaths(dir);
            Directory.CreateDirectory(paths.DevicesDirectory);
            foreach (string name in new[] { "temp-living", "Upper", "dot.ted", "under_score" })
            {
                File.WriteAllText(Path.Combine(paths.DevicesDirectory, name + ".dsa.pub.pem"), "x", Encoding.ASCII);
            }

            Assert.Equal(["temp-living"], paths.ListDeviceIds());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
