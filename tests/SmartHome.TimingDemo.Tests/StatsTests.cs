namespace SmartHome.TimingDemo.Tests;

public class StatsTests
{
    [Fact]
    public void Median_and_quantiles_match_known_values()
    {
        Assert.Equal(2.0, Stats.Median([3.0, 1.0, 2.0]));
        Assert.Equal(2.5, Stats.Median([4.0, 1.0, 3.0, 2.0]));
        Assert.Equal(2.0, Stats.Quantile([1.0, 2, 3, 4, 5], 0.25));
        Assert.Equal(1.75, Stats.Quantile([1.0, 2, 3, 4], 0.25), 12); // type 7: 1 + 0.75 * (2 - 1)
        Assert.True(double.IsNaN(Stats.Median([])));
    }

    [Fact]
    public void Trimmed_mean_drops_the_outlier()
    {
        Assert.Equal(3.0, Stats.TrimmedMean([1.0, 2, 3, 4, 100], 0.2), 12);
        Assert.Equal(22.0, Stats.TrimmedMean([1.0, 2, 3, 4, 100], 0.0), 12);
        Assert.Equal(3.0, Stats.Estimate([1.0, 2, 3, 4, 100], Estimator.TrimmedMean), 12);
        Assert.Equal(3.0, Stats.Estimate([1.0, 2, 3, 4, 100], Estimator.Median), 12);
    }

    [Fact]
    public void Erfc_and_normal_tail_match_reference_values()
    {
        Assert.Equal(1.0, Stats.Erfc(0), 6);
        Assert.Equal(0.15729920705028513, Stats.Erfc(1), 6);
        Assert.Equal(0.004677734981047265, Stats.Erfc(2), 8);
        Assert.Equal(1.842700792949715, Stats.Erfc(-1), 6);
        Assert.Equal(0.025, Stats.NormalUpperTail(1.959963984540054), 6);
        Assert.Equal(0.5, Stats.NormalUpperTail(0), 6);
    }

    [Fact]
    public void Mann_whitney_separated_samples()
    {
        double[] high = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
        double[] low = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

        var r = Stats.MannWhitneyGreater(high, low);
        Assert.Equal(100.0, r.U);
        Assert.Equal(3.7418482827913495, r.Z, 9); // (100 - 50 - 0.5) / sqrt(100 * 21 / 12)
        Assert.Equal(9.13358955547752e-05, r.PValue, 9);

        var reverse = Stats.MannWhitneyGreater(low, high);
        Assert.Equal(0.0, reverse.U);
        Assert.True(reverse.PValue > 0.999);
    }

    [Fact]
    public void Mann_whitney_with_ties_uses_average_ranks_and_tie_correction()
    {
        var r = Stats.MannWhitneyTwoSided([1.0, 2, 2, 3, 5], [2.0, 3, 3, 4]);
        Assert.Equal(7.0, r.U); // pairs x > y, ties count one half
        Assert.Equal(0.5261684777561433, r.PValue, 6);
    }

    [Fact]
    public void Mann_whitney_of_identical_constants_is_not_significant()
    {
        var r = Stats.MannWhitneyGreater([5.0, 5, 5], [5.0, 5, 5, 5]);
        Assert.Equal(1.0, r.PValue);
    }

    [Fact]
    public void Ols_slope_of_a_line()
    {
        Assert.Equal(2.5, Stats.OlsSlope([0.0, 1, 2, 3], [1.0, 3.5, 6, 8.5]), 12);
    }
}
