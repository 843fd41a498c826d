namespace SmartHome.TimingDemo.Tests;

public class DetectionLimitTests
{
    private static readonly byte[] Secret = Convert.FromHexString("3e17ba96ae04cd3b99869e56f0adbf3a");

    private static AttackRun Run(bool complete, byte[] recovered) =>
        new("r", "o", new RecoveryOptions(), new RecoveryResult([], recovered, complete, complete, 1000, TimeSpan.FromSeconds(1)), Secret)
        {
            Technique = AttackTechnique.ResponseOrder,
        };

    [Fact]
    public void Smallest_difference_counts_only_runs_that_recovered_the_whole_secret()
    {
        List<LimitPoint> points =
        [
            new(AttackTechnique.ResponseOrder, 2000, 2400, Run(true, Secret), null),
            new(AttackTechnique.ResponseOrder, 100, 120, Run(true, Secret), null),
            new(AttackTechnique.ResponseOrder, 20, 24, Run(false, Secret[..3]), null),
            new(AttackTechnique.ResponseOrder, 0, 0, null, "a larger difference already failed"),
            new(AttackTechnique.ResponseTime, 2000, 2400, Run(true, [.. Secret[..15], (byte)(Secret[15] ^ 1)]), null),
        ];

        Assert.Equal(120, DetectionLimit.SmallestRecovered(points, AttackTechnique.ResponseOrder));
        Assert.Null(DetectionLimit.SmallestRecovered(points, AttackTechnique.ResponseTime)); // a wrong byte is no recovery

        var table = DetectionLimit.Markdown(points, TimeSpan.FromSeconds(40));
        Assert.Contains("**120.0 ns**", table, StringComparison.Ordinal);
        Assert.Contains("not run: a larger difference already failed", table, StringComparison.Ordinal);
        Assert.Equal(points.Count + 1, DetectionLimit.Csv(points).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Plot_is_written()
    {
        var path = Path.Combine(Path.GetTempPath(), $"timing-limit-{Guid.NewGuid():N}.png");
        try
        {
            DetectionLimit.Plot(
            [
                new(AttackTechnique.ResponseTime, 2000, 2400, Run(true, Secret), null),
                new(AttackTechnique.ResponseTime, 0, 0, Run(false, []), null),
            ], path);
            Assert.True(new FileInfo(path).Length > 1000);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
