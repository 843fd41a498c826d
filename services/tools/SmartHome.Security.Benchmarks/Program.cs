using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(SmartHome.Security.Benchmarks.EnvelopeBenchmarks).Assembly).Run(args);
