using System.CommandLine;
using System.Net;

namespace SmartHome.TimingDemo.Tests;

public class CommandLineTests
{
    [Fact]
    public void Demo_defaults_are_the_documented_ones()
    {
        var demo = Run<DemoArguments>("demo");
        Assert.Equal(42, demo.Seed);
        Assert.Equal(TimingCommandLine.DefaultAmplify, demo.Amplify);
        Assert.Equal(10_000, demo.SweepSamples);
        Assert.Equal(32, demo.Repetitions);
        Assert.Equal(Path.Combine("metrics", "timing"), demo.Out);
        Assert.Null(demo.Secret);
        Assert.True(demo.UnamplifiedAttacks);
        Assert.Equal(TimingCommandLine.DefaultNetworkAmplify, demo.NetworkAmplify);
        Assert.Equal(new RecoveryOptions { Seed = 43 }, demo.Attack);
        Assert.Equal(TimeSpan.FromSeconds(180), demo.Budget);
        Assert.Equal(1.0, demo.NetworkKeep);
        Assert.Equal([2000, 500, 100, 20, 0], demo.LimitLevels);
        Assert.Equal(TimeSpan.FromSeconds(40), demo.LimitSeconds);
    }

    [Fact]
    public void Demo_reads_budget_keep_and_the_detection_limit_levels()
    {
        var demo = Run<DemoArguments>("demo", "--budget", "90", "--keep", "0.5", "--limit-levels", "1000, 50,0", "--limit-seconds", "15");
        Assert.Equal(TimeSpan.FromSeconds(90), demo.Budget);
        Assert.Equal(0.5, demo.NetworkKeep);
        Assert.Equal([1000, 50, 0], demo.LimitLevels);
        Assert.Equal(TimeSpan.FromSeconds(15), demo.LimitSeconds);
    }

    [Fact]
    public void Timeless_serve_and_attack_are_read()
    {
        Assert.False(Run<ServeArguments>("serve").Timeless);
        Assert.True(Run<ServeArguments>("serve", "--timeless").Timeless);
        var attack = Run<AttackArguments>("attack", "--timeless", "--seconds", "120", "--keep", "0.25");
        Assert.True(attack.Timeless);
        Assert.Equal(120, attack.Seconds);
        Assert.Equal(0.25, attack.Attack.Keep);
        Assert.Equal(1.0, Run<AttackArguments>("attack").Attack.Keep);
        Assert.Equal(0, Run<AttackArguments>("attack").Seconds);
    }

    [Fact]
    public void The_apphost_command_line_still_parses()
    {
        var demo = Run<DemoArguments>("demo", "--out", "/tmp/timing");
        Assert.Equal("/tmp/timing", demo.Out);
    }

    [Fact]
    public void Options_flags_and_value_spellings_are_read()
    {
        var demo = Run<DemoArguments>("demo", "--samples", "64", "--seed=7", "--no-network", "--estimator", "trimmed", "--continue",
            "--alpha:0.05", "--no-unamplified-attack", "--secret", "00ff");
        Assert.Equal(7, demo.Seed);
        Assert.Null(demo.NetworkAmplify);
        Assert.False(demo.UnamplifiedAttacks);
        Assert.Equal([0x00, 0xff], demo.Secret);
        Assert.Equal(64, demo.Attack.MaxSamples);
        Assert.Equal(Estimator.TrimmedMean, demo.Attack.Estimator);
        Assert.Equal(0.05, demo.Attack.Alpha);
        Assert.Equal(8, demo.Attack.Seed);
        Assert.False(demo.Attack.StopOnFailure);
    }

    [Fact]
    public void Serve_amplifies_more_by_default_and_takes_every_verifier_name()
    {
        var serve = Run<ServeArguments>("serve");
        Assert.Equal(TimingCommandLine.DefaultNetworkAmplify, serve.Amplify);
        Assert.Equal(VerifierKind.Vulnerable, serve.Verifier);
        Assert.Equal(IPAddress.Loopback, serve.Host);
        Assert.Equal(TimingCommandLine.DefaultPort, serve.Port);
        Assert.Equal(VerifierKind.ConstantTime, Run<ServeArguments>("serve", "--verifier", "constant").Verifier);
        Assert.Equal(VerifierKind.ConstantTime, Run<ServeArguments>("serve", "--verifier=constant-time").Verifier);
        Assert.Equal(Estimator.TrimmedMean, Run<AttackArguments>("attack", "--estimator", "Trimmed-Mean").Attack.Estimator);
    }

    [Fact]
    public void Attack_reads_host_port_expect_and_warmup()
    {
        var attack = Run<AttackArguments>("attack", "--host", "localhost", "--port", "6000", "--expect", "3e17", "--warmup", "5");
        Assert.Equal(IPAddress.Loopback, attack.Host);
        Assert.Equal(6000, attack.Port);
        Assert.Equal([0x3e, 0x17], attack.Expect);
        Assert.Equal(5, attack.Attack.WarmupQueries);
        Assert.True(attack.Attack.StopOnFailure);
    }

    [Theory]
    [InlineData("attack", "--host", "192.168.1.2")]
    [InlineData("demo", "--samples")]
    [InlineData("demo", "--samples", "many")]
    [InlineData("demo", "--samples", "0")]
    [InlineData("demo", "--estimator", "mean")]
    [InlineData("demo", "--alpha", "1.5")]
    [InlineData("demo", "--secret", "xyz")]
    [InlineData("demo", "--port", "5077")]
    [InlineData("serve", "--verifier", "sometimes")]
    [InlineData("serve", "--port", "65536")]
    [InlineData("sweep", "--continue")]
    [InlineData("demo", "--budget", "5")]
    [InlineData("demo", "--keep", "0")]
    [InlineData("demo", "--keep", "1.5")]
    [InlineData("demo", "--limit-levels", "100,x")]
    [InlineData("demo", "--limit-levels", "100,-1")]
    [InlineData("demo", "--limit-levels", ",")]
    [InlineData("sweep", "--timeless")]
    [InlineData("attack", "--seconds", "-1")]
    [InlineData("bogus")]
    public void A_bad_command_line_is_refused_before_anything_runs(params string[] args)
    {
        var commands = new RecordingCommands();
        var parse = TimingCommandLine.Build(commands).Parse(args);
        Assert.NotEmpty(parse.Errors);
        Assert.Null(commands.Last);
    }

    [Theory]
    [InlineData("help")]
    [InlineData]
    [InlineData("--help")]
    [InlineData("sweep", "-h")]
    public void Help_prints_the_options_and_runs_nothing(params string[] args)
    {
        var commands = new RecordingCommands();
        var parse = TimingCommandLine.Build(commands).Parse(args);
        Assert.Empty(parse.Errors);
        var output = new StringWriter();
        Assert.Equal(0, parse.Invoke(new InvocationConfiguration { Output = output }));
        Assert.Contains("--help", output.ToString(), StringComparison.Ordinal);
        Assert.Null(commands.Last);
    }

    [Fact]
    public void Sweep_help_lists_its_options_with_their_defaults()
    {
        var output = new StringWriter();
        TimingCommandLine.Build(new RecordingCommands()).Parse(["sweep", "--help"]).Invoke(new InvocationConfiguration { Output = output });
        var help = output.ToString();
        Assert.Contains("--sweep-samples", help, StringComparison.Ordinal);
        Assert.Contains("[default: 10000]", help, StringComparison.Ordinal);
        Assert.Contains("--amplify", help, StringComparison.Ordinal);
        Assert.Contains("[default: 100]", help, StringComparison.Ordinal);
        Assert.DoesNotContain("--no-network", help, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_help_lists_the_budget_and_limit_options_with_their_defaults()
    {
        var output = new StringWriter();
        TimingCommandLine.Build(new RecordingCommands()).Parse(["demo", "--help"]).Invoke(new InvocationConfiguration { Output = output });
        var help = output.ToString();
        Assert.Contains("--budget", help, StringComparison.Ordinal);
        Assert.Contains("[default: 180]", help, StringComparison.Ordinal);
        Assert.Contains("--keep", help, StringComparison.Ordinal);
        Assert.Contains("[default: 1]", help, StringComparison.Ordinal);
        Assert.Contains("--limit-levels", help, StringComparison.Ordinal);
        Assert.Contains("[default: 2000,500,100,20,0]", help, StringComparison.Ordinal);
        Assert.Contains("--limit-seconds", help, StringComparison.Ordinal);
    }

    private static T Run<T>(params string[] args)
    {
        var commands = new RecordingCommands();
        var parse = TimingCommandLine.Build(commands).Parse(args);
        Assert.Empty(parse.Errors);
        Assert.Equal(0, parse.Invoke());
        return Assert.IsType<T>(commands.Last);
    }

    /// <summary>Records what the command line would run.</summary>
    private sealed class RecordingCommands : ITimingCommands
    {
        public object? Last { get; private set; }

        public Task<int> DemoAsync(DemoArguments arguments) => Task.FromResult(Record(arguments));

        public int Sweep(SweepArguments arguments) => Record(arguments);

        public Task<int> ServeAsync(ServeArguments arguments) => Task.FromResult(Record(arguments));

        public int Attack(AttackArguments arguments) => Record(arguments);

        private int Record(object arguments)
        {
            Last = arguments;
            return 0;
        }
    }
}
