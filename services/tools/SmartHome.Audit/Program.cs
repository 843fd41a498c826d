using SmartHome.Audit;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Ctrl+C: stop the current check; its cleanup (retained probe, persistent session) still runs.
    e.Cancel = true;
    cancel.Cancel();
};

return await AuditCommandLine.RunAsync(args, cancellationToken: cancel.Token);
