namespace SmartHome.Report.Suites;

/// <summary>
/// results.csv rows of suites mode: <c>suites,PIPELINE,SUITE,RATE,metric,value</c> per latency point (names as in results.json),
/// <c>suites,secure,SUITE,,metric,value</c> per suite, <c>suites,secure,SUITE,sustain@RATE,...</c> per sustain attempt and
/// <c>suite-attack,SUITE,ATTACK,LEVEL,...</c> per campaign row. Null (not measured) gives no row.
/// </summary>
public static class SuitesCsv
{
    private static readonly (string Metric, Func<SuiteLatencyPoint, double?> Value)[] PointMetrics =
    [
        ("count", p => p.Count), ("applied", p => p.Applied), ("lost", p => p.Lost), ("rejectedLegit", p => p.RejectedLegit),
        ("meanMs", p => p.MeanMs), ("p50Ms", p => p.P50Ms), ("p99Ms", p => p.P99Ms), ("sensorCpuUsPerReading", p => p.SensorCpuUsPerReading),
        ("actuatorCpuUsPerReading", p => p.ActuatorCpuUsPerReading), ("brokerCpuUsPerReading", p => p.BrokerCpuUsPerReading),
        ("pipelineCpuUsPerReading", p => p.PipelineCpuUsPerReading), ("readingsPerCpuSecond", p => p.ReadingsPerCpuSecond),
        ("hopP50Ms", p => p.HopP50Ms), ("p50OverHop", p => p.P50OverHop),
    ];

    private static readonly (string Metric, Func<SuiteSustain, double?> Value)[] SustainMetrics =
    [
        ("targetRatePerSecond", s => s.TargetRatePerSecond), ("seconds", s => s.Seconds), ("readings", s => s.Readings), ("lost", s => s.Lost),
        ("rejectedLegit", s => s.RejectedLegit), ("p50Ms", s => s.P50Ms), ("p99Ms", s => s.P99Ms), ("achievedPerSecond", s => s.AchievedPerSecond),
        ("pipelineCpuSeconds", s => s.PipelineCpuSeconds), ("readingsPerCpuSecond", s => s.ReadingsPerCpuSecond), ("passed", s => s.Passed ? 1 : 0),
    ];

    public static void Append(IReadOnlyList<SuiteResult> suites, Action<string, string, string, string, string, double> num)
    {
        ArgumentNullException.ThrowIfNull(suites);
        ArgumentNullException.ThrowIfNull(num);
        foreach (var s in suites)
        {
            void Suite(string metric, double? value)
            {
                if (value is { } v)
                {
                    num("suites", "secure", s.Suite, "", metric, v);
                }
            }

            Suite("ran", s.Ran ? 1 : 0);
            if (!s.Ran)
            {
                continue;
            }

            Suite("appStartSeconds", s.AppStartSeconds);
            foreach (var p in s.Latency)
            {
                foreach (var (metric, value) in PointMetrics)
                {
                    if (value(p) is { } v)
                    {
                        num("suites", p.Pipeline, s.Suite, Fmt.Raw(p.RatePerSecond), metric, v);
                    }
                }
            }

            if (s.Crypto is { } c)
            {
                Suite("sealMeanUs", c.SealMeanUs);
                Suite("sealP50Us", c.SealP50Us);
                Suite("openMeanUs", c.OpenMeanUs);
                Suite("openP50Us", c.OpenP50Us);
                Suite("sealPlusOpenMeanUs", c.SealPlusOpenMeanUs);
                Suite("sealPlusOpenP50Us", c.SealPlusOpenP50Us);
                Suite("ackSignP50Us", c.AckSignP50Us);
                Suite("ackVerifyP50Us", c.AckVerifyP50Us);
                Suite("plaintextBytes", c.PlaintextBytes);
                Suite("wireBytesPerReading", c.WireBytesPerReading);
                Suite("announcementBytes", c.AnnouncementBytes);
            }

            if (s.HopCapacity is { } hop)
            {
                Suite("hopSaturationMessagesPerSecond", hop.MessagesPerSecond);
                Suite("hopClientCpuUsPerMessage", hop.ClientCpuUsPerMessage);
                Suite("hopBrokerCpuUsPerMessage", hop.BrokerCpuUsPerMessage);
                Suite("floorCpuUsPerReading", SuiteAnalysis.FloorCpuUsPerReading(s));
            }

            Suite("cryptoSharePercent", s.CryptoSharePercent);
            Suite("highestPassingRatePerSecond", s.Throughput?.HighestPassingRatePerSecond);
            Suite("highestSustainedRatePerSecond", s.HighestSustained?.TargetRatePerSecond);
            Suite("campaignRan", s.Campaign.Ran ? 1 : 0);
            foreach (var a in s.Sustain)
            {
                foreach (var (metric, value) in SustainMetrics)
                {
                    if (value(a) is { } v)
                    {
                        num("suites", "secure", s.Suite, "sustain@" + Fmt.Raw(a.TargetRatePerSecond), metric, v);
                    }
                }
            }

            foreach (var a in s.Attacks)
            {
                num("suite-attack", s.Suite, a.Attack, a.Level, "attempts", a.Attempts);
                num("suite-attack", s.Suite, a.Attack, a.Level, "succeeded", a.Succeeded);
                num("suite-attack", s.Suite, a.Attack, a.Level, "unjudged", a.Unjudged);
            }
        }
    }
}
