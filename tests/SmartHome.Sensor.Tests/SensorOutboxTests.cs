namespace SmartHome.Sensor.Tests;

/// <summary>The sensor's durable outbox: restarts, bounds, retransmission backoff, settings.</summary>
public sealed class SensorOutboxTests
{
    [Fact]
    public async Task The_outbox_survives_a_restart_and_keeps_only_unacknowledged_readings()
    {
        var path = Path.Combine(Path.GetTempPath(), "outbox-" + Guid.NewGuid().ToString("N") + ".log");
        try
        {
            using (var outbox = new SensorOutbox(path, new OutboxOptions(), TimeProvider.System))
            {
                await outbox.AddAsync("door-front", "m1", "r1"u8.ToArray());
                await outbox.AddAsync("door-front", "m2", "r2"u8.ToArray());
                await outbox.AddAsync("temp-living", "m3", "r3"u8.ToArray());
                Assert.Null(outbox.Complete("m2", applied: true, deviceId: "temp-living")); // another device's acknowledgement
                Assert.NotNull(outbox.Complete("m2", applied: true, deviceId: "door-front"));
                Assert.Null(outbox.Complete("m2", applied: true)); // a second acknowledgement of a retransmission
            }

            // A crash tore the last line.
            File.AppendAllText(path, "P door-front m4 1 cjQ");
            using (var restarted = new SensorOutbox(path, new OutboxOptions(), TimeProvider.System))
            {
                Assert.Equal(2, restarted.Recovered);
                Assert.Equal(["m1", "m3"], restarted.Pending().Select(e => e.MessageId));
                Assert.Equal("r3"u8.ToArray(), restarted.Pending()[1].Reading);
                // Recovered readings are due at once.
                Assert.Equal(["m1", "m3"], restarted.TakeDue(10, out var expired).Select(e => e.MessageId));
                Assert.Empty(expired);
            }

            var (added, removed) = SensorOutbox.ReadHistory(path);
            Assert.Equal(["m1", "m2", "m3"], added);
            Assert.Equal("applied", removed["m2"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Bounds_drop_the_oldest_or_refuse_the_new_reading_and_expire_old_ones()
    {
        var path = Path.Combine(Path.GetTempPath(), "outbox-" + Guid.NewGuid().ToString("N") + ".log");
        var clock = new SettableClock();
        try
        {
            using (var outbox = new SensorOutbox(path, new OutboxOptions { MaxCount = 2, MaxAgeSeconds = 60, Fsync = false }, clock))
            {
                await outbox.AddAsync("door-front", "m1", [1]);
                await outbox.AddAsync("door-front", "m2", [2]);
                var dropped = await outbox.AddAsync("door-front", "m3", [3]);
                Assert.Equal(["m1"], dropped.Select(e => e.MessageId));
                clock.Now += TimeSpan.FromSeconds(61);
                Assert.Empty(outbox.TakeDue(10, out var expired));
                Assert.Equal(["m2", "m3"], expired.Select(e => e.MessageId).Order());
                Assert.Equal(0, outbox.Count);
            }

            Assert.Equal("full", SensorOutbox.ReadHistory(path).Removed["m1"]);
            File.Delete(path);
            using var strict = new SensorOutbox(path, new OutboxOptions { MaxCount = 1, DropPolicy = OutboxDropPolicy.RejectNew, Fsync = false }, clock);
            await strict.AddAsync("door-front", "m1", [1]);
            await Assert.ThrowsAsync<OutboxFullException>(() => strict.AddAsync("door-front", "m2", [2]));
            Assert.Equal(["m1"], strict.Pending().Select(e => e.MessageId));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Retransmissions_back_off_exponentially()
    {
        using var test = new RetryingOutbox();
        var (outbox, clock) = (test.Outbox, test.Clock);
        await test.SendAsync("door-front", "m1");
        var gaps = new List<double>();
        var last = clock.Now;
        while (gaps.Count < 5)
        {
            clock.Now += TimeSpan.FromMilliseconds(50);
            if (outbox.TakeDue(1, out _).Count == 1)
            {
                gaps.Add((clock.Now - last).TotalSeconds);
                last = clock.Now;
                outbox.MarkSent("m1");
            }
        }

        // 1, 2, 4, 4, 4 seconds, each ±20 %.
        double[] nominal = [1, 2, 4, 4, 4];
        for (int i = 0; i < gaps.Count; i++)
        {
            Assert.InRange(gaps[i], nominal[i] * 0.8, nominal[i] * 1.2 + 0.05);
        }
    }

    [Fact]
    public async Task A_reading_queued_behind_flowing_acknowledgements_is_not_sent_again_until_they_stop()
    {
        using var test = new RetryingOutbox();
        var (outbox, clock) = (test.Outbox, test.Clock);
        await test.SendAsync("door-front", "m1", "m2", "m3");
        await test.SendAsync("temp-living", "t1");

        // Past every first retransmission time (1 s + 20 %); the actuator is working through door-front's readings in order.
        clock.Now += TimeSpan.FromSeconds(1.3);
        Assert.NotNull(outbox.Complete("m1", applied: true, deviceId: "door-front"));
        // m2 and m3 wait behind that flow; temp-living has no acknowledgement at all, so its reading is sent again.
        Assert.Equal(["t1"], outbox.TakeDue(10, out _).Select(e => e.MessageId));
        Assert.NotNull(outbox.Complete("t1", applied: true, deviceId: "temp-living"));
        clock.Now += TimeSpan.FromSeconds(0.5);
        Assert.NotNull(outbox.Complete("m2", applied: true, deviceId: "door-front"));
        Assert.Empty(outbox.TakeDue(10, out _));

        // The flow stops: a full second without an acknowledgement of door-front, and m3 goes out again.
        clock.Now += TimeSpan.FromSeconds(0.9);
        Assert.Empty(outbox.TakeDue(10, out _));
        clock.Now += TimeSpan.FromSeconds(0.1);
        Assert.Equal(["m3"], outbox.TakeDue(10, out _).Select(e => e.MessageId));
    }

    [Fact]
    public async Task A_reading_overtaken_by_a_later_ones_acknowledgement_is_sent_again_when_due()
    {
        using var test = new RetryingOutbox();
        var (outbox, clock) = (test.Outbox, test.Clock);
        await test.SendAsync("door-front", "m1", "m2", "m3");

        // m2 was acknowledged and m1, sent before it, was not: m1 was lost, not queued. m3, sent after m2, may still be queued.
        clock.Now += TimeSpan.FromSeconds(0.5);
        Assert.NotNull(outbox.Complete("m2", applied: true, deviceId: "door-front"));
        Assert.Empty(outbox.TakeDue(10, out _)); // nothing is due before its time
        // Both are past their time now; only m1 goes out again, m3 waits behind the acknowledgement 0.8 s ago.
        clock.Now += TimeSpan.FromSeconds(0.8);
        Assert.Equal(["m1"], outbox.TakeDue(10, out _).Select(e => e.MessageId));

        // The retransmission is the newest send: m3's acknowledgement does not overtake it.
        outbox.MarkSent("m1");
        Assert.NotNull(outbox.Complete("m3", applied: true, deviceId: "door-front"));
        await test.SendAsync("door-front", "m4");
        clock.Now += TimeSpan.FromSeconds(0.9);
        Assert.Empty(outbox.TakeDue(10, out _));
        // m4, sent after it, is acknowledged: the retransmission was lost too, and m1 goes out again when due.
        Assert.NotNull(outbox.Complete("m4", applied: true, deviceId: "door-front"));
        clock.Now += TimeSpan.FromSeconds(2.5);
        Assert.Equal(["m1"], outbox.TakeDue(10, out _).Select(e => e.MessageId));
    }

    [Theory]
    [InlineData(0, 60, 2, 30, "MaxCount")]
    [InlineData(10, 0, 2, 30, "MaxAgeSeconds")]
    [InlineData(10, 60, 0, 30, "RetryInitialSeconds")]
    [InlineData(10, 60, 40, 30, "RetryInitialSeconds")]
    public void Invalid_bounds_are_refused_at_start_in_one_sentence(int count, double age, double initial, double max, string named)
    {
        var options = new OutboxOptions { MaxCount = count, MaxAgeSeconds = age, RetryInitialSeconds = initial, RetryMaxSeconds = max };
        var problem = Assert.Single(options.Problems());
        Assert.Contains(named, problem, StringComparison.Ordinal);
        var ex = Assert.Throws<InvalidOperationException>(() => new SensorOutbox(Path.Combine(Path.GetTempPath(), "never.log"), options, TimeProvider.System));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>An outbox in a temporary file on a settable clock, retrying after 1 s and doubling up to 4 s; the file goes with it.</summary>
    private sealed class RetryingOutbox : IDisposable
    {
        private readonly string _path = Path.Combine(Path.GetTempPath(), "outbox-" + Guid.NewGuid().ToString("N") + ".log");

        public RetryingOutbox() =>
            Outbox = new SensorOutbox(_path, new OutboxOptions { RetryInitialSeconds = 1, RetryMaxSeconds = 4, Fsync = false }, Clock);

        public SettableClock Clock { get; } = new();

        public SensorOutbox Outbox { get; }

        /// <summary>Takes and sends readings of one device, in this order.</summary>
        public async Task SendAsync(string deviceId, params string[] messageIds)
        {
            foreach (var id in messageIds)
            {
                await Outbox.AddAsync(deviceId, id, [1]);
                Outbox.MarkSent(id);
            }
        }

        public void Dispose()
        {
            Outbox.Dispose();
            File.Delete(_path);
        }
    }

    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
