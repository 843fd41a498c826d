namespace SmartHome.Report.Tests;

/// <summary>The tests that start the whole AppHost run one after the other: two apps at once starve a 2-core machine.</summary>
[CollectionDefinition(Collection, DisableParallelization = true)]
public static class StartedApp
{
    public const string Collection = "started app";
}
