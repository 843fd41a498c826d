using SmartHome.Report;

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C: stop measuring and shut the started app down cleanly.
    e.Cancel = true;
    cts.Cancel();
};

return await ReportRunner.RunAsync(args, cts.Token);
