using System.Diagnostics;

namespace SmartHome.Report.Modes;

/// <summary>The attack campaign of full mode: starts both attackers and runs every attack at every level through them.</summary>
internal static class CampaignRun
{
    public static async Task RunAsync(IAppTarget app, ReportOptions options, ReportResults results, ConsoleProgress progress,
        CancellationToken ct)
    {
        var missing = ReportRunner.Pipelines.Select(p => $"{p}-attacker").Where(r => !app.Has(r)).ToList();
        if (missing.Count > 0)
        {
            var why = options.Attach
                ? $"no URL was given for {string.Join(" and ", missing)} (pass --insecure-attacker URL --secure-attacker URL)"
                : $"the AppHost has no {string.Join(" and ", missing)} resource yet (SmartHome.Attacker, issue 5, had not landed when this report ran)";
            results.Campaign = new CampaignStatus(false, why);
            progress.Line("Attack campaign not run: " + why);
            return;
        }

        var failures = new List<string>();
        progress.Line("Starting insecure-attacker and secure-attacker...");
        var started = await Task.WhenAll(ReportRunner.Pipelines.Select(p => StartAttackerAsync(app, $"{p}-attacker", options.AttackerTimeout, ct)))
            .ConfigureAwait(false);
        for (var i = 0; i < ReportRunner.Pipelines.Length; i++)
        {
            var pipeline = ReportRunner.Pipelines[i];
            var resource = $"{pipeline}-attacker";
            if (started[i] is { } problem)
            {
                failures.Add(problem);
                progress.Line("Not run: " + problem);
                continue;
            }

            try
            {
                using var http = app.Http(resource);
                var sw = Stopwatch.StartNew();
                using var ticker = new Timer(_ => progress.Report($"campaign on {pipeline}", 0, $"{sw.Elapsed.TotalSeconds:0} s"), null,
                    TimeSpan.Zero, TimeSpan.FromSeconds(1));
                var rows = await Campaign.RunAsync(http, pipeline, options.Attempts, options.AnnouncementFloodSeconds, ct).ConfigureAwait(false);
                results.Attacks.AddRange(rows);
                progress.Line($"Campaign on {pipeline}: {rows.Count} attack × level results in {sw.Elapsed.TotalSeconds:0} s.");
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException or TimeoutException
                                           or InvalidOperationException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                failures.Add($"{resource}: {ex.Message}");
            }
        }

        results.Campaign = failures.Count == 0
            ? new CampaignStatus(true, null)
            : new CampaignStatus(results.Attacks.Count > 0, ReportResults.OneLine(string.Join("; ", failures)));
    }

    public static async Task<string?> StartAttackerAsync(IAppTarget app, string resource, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            return await app.StartAsync(resource, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"{resource} did not become healthy within {timeout.TotalSeconds:0} s";
        }
    }
}
