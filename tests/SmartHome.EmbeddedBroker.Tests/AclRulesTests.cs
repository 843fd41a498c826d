using SmartHome.Security;

namespace SmartHome.EmbeddedBroker.Tests;

public sealed class AclRulesTests
{
    private static readonly AclRules Secure = AclRules.Parse(BrokerAcl.For(BrokerPair.Devices, BrokerPair.FleetDevices));

    [Theory]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/+", "a/b", true)]
    [InlineData("a/+", "a/b/c", false)]
    [InlineData("a/+", "a", false)]
    [InlineData("a/#", "a", true)]
    [InlineData("a/#", "a/b/c", true)]
    [InlineData("#", "a/b", true)]
    [InlineData("#", "$SYS/broker/uptime", false)]
    [InlineData("$SYS/#", "$SYS/broker/uptime", true)]
    [InlineData("+/b", "a/b", true)]
    [InlineData("+/+", "/b", true)]
    [InlineData("a/b", "a/B", false)]
    [InlineData("a//c", "a//c", true)]
    [InlineData("+", "$x", false)]
    public void Filters_match_topics_like_mqtt(string filter, string topic, bool expected) =>
        Assert.Equal(expected, AclRules.Matches(filter, topic));

    [Fact]
    public void The_secure_acl_is_explicit_user_blocks_without_patterns()
    {
        Assert.Empty(Secure.Patterns);
        Assert.Equal([new AclRule(AclAccess.Write, "smarthome/readings/door-front"), new AclRule(AclAccess.Write, "smarthome/keys/door-front"),
            new AclRule(AclAccess.Read, "smarthome/acks/door-front")], Secure.RulesOf("door-front"));
        Assert.Equal(6, Secure.RulesOf("fleet").Count);
        Assert.Equal(3, Secure.RulesOf("actuator").Count);
        Assert.Equal(new AclRule(AclAccess.ReadWrite, "#"), Assert.Single(Secure.RulesOf("monitor")));
        Assert.Empty(Secure.RulesOf("health"));
        Assert.Empty(Secure.RulesOf("auditor"));
        Assert.Empty(Secure.Anonymous);
    }

    [Theory]
    [InlineData("door-front", "smarthome/readings/door-front", AclAccess.Write, true)]
    [InlineData("door-front", "smarthome/keys/door-front", AclAccess.Write, true)]
    [InlineData("door-front", "smarthome/readings/temp-living", AclAccess.Write, false)]
    [InlineData("door-front", "smarthome/readings/door-front", AclAccess.Read, false)]
    [InlineData("door-front", "smarthome/readings/door-front/x", AclAccess.Write, false)]
    [InlineData("actuator", "smarthome/readings/door-front", AclAccess.Read, true)]
    [InlineData("actuator", "smarthome/keys/door-front", AclAccess.Read, true)]
    [InlineData("actuator", "smarthome/readings/door-front", AclAccess.Write, false)]
    [InlineData("actuator", "smarthome/readings/actuator", AclAccess.Write, false)] // no pattern lends it a device's rights
    [InlineData("actuator", "smarthome/acks/door-front", AclAccess.Write, true)]
    [InlineData("actuator", "smarthome/acks/door-front", AclAccess.Read, false)]
    [InlineData("door-front", "smarthome/acks/door-front", AclAccess.Read, true)]
    [InlineData("door-front", "smarthome/acks/door-front", AclAccess.Write, false)] // a device cannot acknowledge its own readings
    [InlineData("door-front", "smarthome/acks/temp-living", AclAccess.Read, false)]
    [InlineData("health", "smarthome/readings/health", AclAccess.Write, false)]
    [InlineData("auditor", "smarthome/keys/auditor", AclAccess.Write, false)]
    [InlineData("fleet", "smarthome/readings/fleet-0002", AclAccess.Write, true)]
    [InlineData("fleet", "smarthome/readings/temp-living", AclAccess.Write, false)]
    [InlineData("monitor", "$SYS/broker/version", AclAccess.Write, false)]
    [InlineData("monitor", "anything/at/all", AclAccess.Read, true)]
    [InlineData("monitor", "anything/at/all", AclAccess.Write, true)]
    [InlineData("health", "smarthome/readings/door-front", AclAccess.Read, false)]
    [InlineData("stranger", "smarthome/readings/stranger", AclAccess.Write, false)]
    [InlineData("stranger", "smarthome/readings/other", AclAccess.Write, false)]
    public void The_secure_acl_confines_each_account(string user, string topic, AclAccess access, bool expected) =>
        Assert.Equal(expected, Secure.IsAllowed(user, user, topic, access));

    [Fact]
    public void Nobody_writes_sys_topics_whatever_the_acl_says()
    {
        var acl = AclRules.Parse("user root\ntopic readwrite $SYS/#\n");
        Assert.True(acl.IsAllowed("root", "root", "$SYS/broker/version", AclAccess.Read));
        Assert.False(acl.IsAllowed("root", "root", "$SYS/broker/version", AclAccess.Write));
    }

    [Fact]
    public void Anonymous_clients_get_only_the_rules_before_the_first_user_line_and_no_username_patterns()
    {
        var acl = AclRules.Parse("""
            topic read public/#
            pattern write devices/%u
            pattern readwrite clients/%c
            user alice
            topic write public/alice
            """);
        Assert.True(acl.IsAllowed(null, "anon", "public/news", AclAccess.Read));
        Assert.False(acl.IsAllowed(null, "anon", "public/news", AclAccess.Write));
        Assert.False(acl.IsAllowed(null, "anon", "devices/", AclAccess.Write));
        Assert.True(acl.IsAllowed(null, "anon", "clients/anon", AclAccess.Write));
        Assert.False(acl.IsAllowed("alice", "c1", "public/news", AclAccess.Read));
        Assert.True(acl.IsAllowed("alice", "c1", "public/alice", AclAccess.Write));
        Assert.True(acl.IsAllowed("alice", "c1", "devices/alice", AclAccess.Write));
        Assert.True(acl.IsAllowed("alice", "c1", "clients/c1", AclAccess.Read));
        Assert.False(acl.IsAllowed("alice", "c1", "clients/c2", AclAccess.Read));
    }

    [Fact]
    public void Wildcards_in_a_username_or_client_id_void_every_pattern()
    {
        var acl = AclRules.Parse("pattern readwrite devices/%u\npattern readwrite clients/%c\n");
        Assert.False(acl.IsAllowed("a+", "c", "devices/a+", AclAccess.Write));
        Assert.False(acl.IsAllowed("a", "c#", "devices/a", AclAccess.Write));
        Assert.True(acl.IsAllowed("a", "c", "devices/a", AclAccess.Write));
    }

    [Fact]
    public void Topic_lines_without_an_access_word_mean_readwrite_and_deny_wins()
    {
        var acl = AclRules.Parse("user u\ntopic a/#\ntopic deny a/secret\n# comment\n\n   \n");
        Assert.True(acl.IsAllowed("u", "u", "a/b", AclAccess.Read));
        Assert.True(acl.IsAllowed("u", "u", "a/b", AclAccess.Write));
        Assert.False(acl.IsAllowed("u", "u", "a/secret", AclAccess.Read));
    }

    [Fact]
    public void Unknown_keywords_are_an_error_with_the_line_number()
    {
        var ex = Assert.Throws<FormatException>(() => AclRules.Parse("user a\ntopics read x\n"));
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_config_subset_is_read_like_the_generated_mosquitto_conf()
    {
        var conf = MosquittoConf.Parse("""
            # Generated
            log_dest stdout
            persistence true
            persistence_location /tmp/x/
            listener 8883 127.0.0.1
            allow_anonymous false
            password_file /k/passwd
            use_username_as_clientid true
            acl_file /k/acl
            cafile /k/ca.crt.pem
            certfile /k/server.crt.pem
            keyfile /k/server.key.pem
            tls_version tlsv1.2
            max_packet_size 65536
            max_queued_messages 100000
            set_tcp_nodelay true
            sys_interval 10
            """.Split('\n'));
        Assert.Equal(8883, conf.Port);
        Assert.Equal("127.0.0.1", conf.BindAddress);
        Assert.False(conf.AllowAnonymous);
        Assert.True(conf.UseUsernameAsClientId);
        Assert.True(conf.UseTls);
        Assert.Equal("/k/acl", conf.AclFile);
        Assert.Equal(65536, conf.MaxPacketSize);
        Assert.Equal(100000, conf.MaxQueuedMessages);
        Assert.Equal(["sys_interval"], conf.Ignored);
    }

    [Fact]
    public void Password_file_lines_are_verified_with_the_mosquitto_hash()
    {
        var file = PasswordFile.Parse([BrokerPasswords.MosquittoLine("alice", "right"), "", "# comment"]);
        Assert.True(file.Verify("alice", "right"));
        Assert.False(file.Verify("alice", "wrong"));
        Assert.False(file.Verify("alice", null));
        Assert.False(file.Verify("bob", "right"));
    }
}
