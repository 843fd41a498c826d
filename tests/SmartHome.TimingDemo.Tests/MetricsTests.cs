using System.Diagnostics.Metrics;

namespace SmartHome.TimingDemo.Tests;

public class MetricsTests
{
    [Fact]
    public void Oracle_records_verify_duration_tagged_by_verifier_and_true_prefix()
    {
        var secret = Convert.FromHexString("3e17ba96ae04cd3b99869e56f0adbf3a");
        var seen = new List<(string Verifier, int Prefix)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "SmartHome" && instrument.Name == TimingMetrics.VerifyDurationName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            string? verifier = null;
            var prefix = -1;
            foreach (var t in tags)
            {
                if (t.Key == TimingMetrics.VerifierTag)
                {
                    verifier = (string?)t.Value;
                }
                else if (t.Key == TimingMetrics.PrefixTag)
                {
                    prefix = (int)t.Value!;
                }
            }

            lock (seen)
            {
                seen.Add((verifier!, prefix));
            }
        });
        listener.Start();

        new InProcessOracle(new VulnerableVerifier(secret), 1, secret).Query(PrefixSweep.TokenWithPrefix(secret, 5));
        new InProcessOracle(new ConstantTimeVerifier(secret), 1, secret).Query(secret);

        lock (seen)
        {
            Assert.Contains(("vulnerable", 5), seen);
            Assert.Contains(("constant-time", 16), seen);
        }
    }

    [Fact]
    public void Progress_is_published_on_the_bytes_and_time_left_gauges()
    {
        var seen = new List<(string Instrument, double Value, string? Attack)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "SmartHome" && instrument.Name is TimingMetrics.BytesDecidedName or TimingMetrics.SecondsLeftName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? attack = null;
            foreach (var t in tags)
            {
                if (t.Key == TimingMetrics.AttackTag)
                {
                    attack = (string?)t.Value;
                }
            }

            lock (seen)
            {
                seen.Add((instrument.Name, value, attack));
            }
        }

        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();

        TimingMetrics.RecordProgress("metrics-test", new AttackProgress(5, 16, 1000, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(22)));

        lock (seen)
        {
            Assert.Contains((TimingMetrics.BytesDecidedName, 5.0, "metrics-test"), seen);
            Assert.Contains((TimingMetrics.SecondsLeftName, 22.0, "metrics-test"), seen);
        }
    }
}
