using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SmartHome.AppHost.Supervision;

/// <summary>
/// Restarts resources marked with <see cref="RestartPolicyAnnotation"/> when they crash. A crash is a transition from a
/// running state to a stopped one (Exited, Finished, FailedToStart) that nobody asked for: no "Stopping" state before
/// it (the Stop and Restart commands pass through "Stopping") and the AppHost is not shutting down. After the policy's
/// backoff it runs the resource's Start command, counts the restart in the resource property
/// <see cref="SupervisionStates.RestartsProperty"/>, and on a crash loop leaves the resource in the state
/// <see cref="SupervisionStates.CrashLoop"/> with the reason in <see cref="SupervisionStates.CrashLoopReasonProperty"/>.
/// </summary>
public sealed partial class ResourceSupervisor(
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    ResourceLoggerService resourceLogs,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ResourceSupervisor> logger) : BackgroundService
{
    private static readonly HashSet<string> Stopped = new(StringComparer.Ordinal)
    {
        KnownResourceStates.Exited, KnownResourceStates.Finished, KnownResourceStates.FailedToStart, "Terminated",
    };

    private static readonly HashSet<string> Launched = new(StringComparer.Ordinal)
    {
        // DCP reports an empty state for a moment between Starting and Running.
        KnownResourceStates.Starting, KnownResourceStates.Running, KnownResourceStates.RuntimeUnhealthy, string.Empty,
    };

    private readonly ConcurrentDictionary<string, Supervised> _supervised = new(StringComparer.Ordinal);

    /// <summary>One resource instance: what supervision saw of it and decided.</summary>
    private sealed class Supervised(IResource resource, string resourceId, RestartPolicy policy, TimeProvider time)
    {
        public IResource Resource { get; } = resource;

        public string ResourceId { get; } = resourceId;

        public CrashLoopDetector Detector { get; } = new(policy, time);

        public string? LastState { get; set; }

        /// <summary>"Stopping" was seen since the last start: the coming exit was asked for.</summary>
        public bool StopRequested { get; set; }

        /// <summary>A crash is being handled (backoff, then start) or ended in a crash loop: no second handling.</summary>
        public bool Handling { get; set; }

        /// <summary>A crash seen while the previous one was still being handled (e.g. during the restart's own start).</summary>
        public bool PendingCrash { get; set; }

        public int? PendingExitCode { get; set; }

        public int Restarts { get; set; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken).ConfigureAwait(false))
            {
                if (!update.Resource.TryGetLastAnnotation<RestartPolicyAnnotation>(out var annotation))
                {
                    continue;
                }

                var supervised = _supervised.GetOrAdd(update.ResourceId, id => new Supervised(update.Resource, id, annotation.Policy, time));
                if (!update.Snapshot.Properties.Any(p => p.Name == SupervisionStates.RestartsProperty))
                {
                    // DCP's snapshots of a resource replace the properties it does not know: show the count again (read
                    // when the update applies, so a restart counted meanwhile is not overwritten).
                    _ = PublishAsync(supervised, s => s with
                    {
                        Properties = Set(s.Properties, [
                            new(SupervisionStates.RestartsProperty, RestartsOf(supervised)) { DisplayName = "Restarts after a crash" },
                            new(SupervisionStates.PolicyProperty, annotation.Policy.ToString()) { DisplayName = "Restart policy" },
                        ]),
                    });
                }

                Observe(supervised, update.Snapshot, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
    }

    private void Observe(Supervised supervised, CustomResourceSnapshot snapshot, CancellationToken stoppingToken)
    {
        var state = snapshot.State?.Text;
        bool crashed;
        lock (supervised)
        {
            var previous = supervised.LastState;
            if (state == previous)
            {
                return;
            }

            supervised.LastState = state;
            LogTransition(logger, supervised.ResourceId, previous ?? "(none)", state ?? "(none)", snapshot.ExitCode);
            if (state == KnownResourceStates.Stopping)
            {
                supervised.StopRequested = true;
            }
            else if (state == KnownResourceStates.Starting || state == KnownResourceStates.Running)
            {
                supervised.StopRequested = false;
            }

            // Only a process that was started can crash. A stopped state right after one of supervision's own states is DCP
            // deleting the old process object before a start (it reports that as "Exited" for a moment), not a crash.
            crashed = state is not null && Stopped.Contains(state) && previous is not null && Launched.Contains(previous)
                      && !supervised.StopRequested && !lifetime.ApplicationStopping.IsCancellationRequested;
            if (crashed && supervised.Handling)
            {
                // The restart in progress handles it once its start command has returned.
                supervised.PendingCrash = true;
                supervised.PendingExitCode = snapshot.ExitCode;
                crashed = false;
            }
            else if (crashed)
            {
                supervised.Handling = true;
            }
        }

        if (crashed)
        {
            _ = Task.Run(() => HandleCrashAsync(supervised, snapshot.ExitCode, stoppingToken), CancellationToken.None);
        }
    }

    private async Task HandleCrashAsync(Supervised supervised, int? exitCode, CancellationToken stoppingToken)
    {
        var console = resourceLogs.GetLogger(supervised.ResourceId);
        try
        {
            while (true)
            {
                var crash = string.Create(CultureInfo.InvariantCulture,
                    $"{(exitCode is { } code ? $"exit code {code}" : "no exit code")} at {time.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ}");
                CrashVerdict verdict;
                lock (supervised)
                {
                    verdict = supervised.Detector.OnCrash();
                }

                if (verdict.IsCrashLoop)
                {
                    LogCrashLoop(logger, supervised.ResourceId, verdict.Reason!, crash);
                    LogCrashLoop(console, supervised.ResourceId, verdict.Reason!, crash);
                    await PublishAsync(supervised, s => s with
                    {
                        State = new ResourceStateSnapshot(SupervisionStates.CrashLoop, KnownResourceStateStyles.Error),
                        Properties = Set(s.Properties, [
                            new(SupervisionStates.LastCrashProperty, crash) { DisplayName = "Last crash" },
                            new(SupervisionStates.CrashLoopReasonProperty, verdict.Reason) { DisplayName = "Crash loop" },
                        ]),
                    }).ConfigureAwait(false);
                    return; // Handling stays true: no restart until the crash loop is cleared.
                }

                LogRestartScheduled(logger, supervised.ResourceId, crash, verdict.Delay.TotalSeconds, verdict.CrashesInWindow);
                LogRestartScheduled(console, supervised.ResourceId, crash, verdict.Delay.TotalSeconds, verdict.CrashesInWindow);
                await PublishAsync(supervised, s => s with
                {
                    State = new ResourceStateSnapshot(SupervisionStates.RestartPending, KnownResourceStateStyles.Warn),
                    Properties = Set(s.Properties, [new(SupervisionStates.LastCrashProperty, crash)]),
                }).ConfigureAwait(false);
                await Task.Delay(verdict.Delay, time, stoppingToken).ConfigureAwait(false);

                int restarts;
                lock (supervised)
                {
                    restarts = ++supervised.Restarts;
                }

                await PublishAsync(supervised, s => s with
                {
                    Properties = Set(s.Properties, [new(SupervisionStates.RestartsProperty, restarts)]),
                }).ConfigureAwait(false);
                string? failure;
                try
                {
                    var result = await commands.ExecuteCommandAsync(supervised.ResourceId, KnownResourceCommands.StartCommand, stoppingToken)
                        .ConfigureAwait(false);
                    failure = result.Success ? null : result.Message ?? "no reason given";
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failure = ex.Message;
                }

                if (failure is not null)
                {
                    // The start itself failed: that is the next crash.
                    LogStartFailed(logger, supervised.ResourceId, failure);
                    exitCode = null;
                    continue;
                }

                LogRestarted(logger, supervised.ResourceId, restarts);
                lock (supervised)
                {
                    if (!supervised.PendingCrash)
                    {
                        supervised.Handling = false;
                        return;
                    }

                    // It crashed again before its start command returned.
                    supervised.PendingCrash = false;
                    exitCode = supervised.PendingExitCode;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping: nothing to restart.
        }
    }

    /// <summary>The "Clear crash loop" command: forget the crashes and start the resource again.</summary>
    public async Task<ExecuteCommandResult> ClearCrashLoopAsync(string resourceId, CancellationToken cancellationToken)
    {
        if (!_supervised.TryGetValue(resourceId, out var supervised))
        {
            return CommandResults.Failure($"{resourceId} is not supervised.");
        }

        lock (supervised)
        {
            if (supervised.LastState != SupervisionStates.CrashLoop)
            {
                return CommandResults.Failure($"{resourceId} is not in a crash loop (state {supervised.LastState}).");
            }

            supervised.Detector.Reset();
            supervised.Handling = false;
            supervised.PendingCrash = false;
        }

        LogCleared(logger, resourceId);
        await PublishAsync(supervised, s => s with
        {
            Properties = Set(s.Properties, [new(SupervisionStates.CrashLoopReasonProperty, string.Empty)]),
        }).ConfigureAwait(false);
        return await commands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, cancellationToken).ConfigureAwait(false);
    }

    private static int RestartsOf(Supervised supervised)
    {
        lock (supervised)
        {
            return supervised.Restarts;
        }
    }

    /// <summary>The properties with <paramref name="values"/> set (replaced by name, else added).</summary>
    private static ImmutableArray<ResourcePropertySnapshot> Set(ImmutableArray<ResourcePropertySnapshot> properties, ResourcePropertySnapshot[] values)
    {
        var builder = properties.ToBuilder();
        foreach (var value in values)
        {
            var index = -1;
            for (var i = 0; i < builder.Count && index < 0; i++)
            {
                index = builder[i].Name == value.Name ? i : -1;
            }

            if (index >= 0)
            {
                builder[index] = value with { DisplayName = value.DisplayName ?? builder[index].DisplayName };
            }
            else
            {
                builder.Add(value);
            }
        }

        return builder.ToImmutable();
    }

    private Task PublishAsync(Supervised supervised, Func<CustomResourceSnapshot, CustomResourceSnapshot> update) =>
        notifications.PublishUpdateAsync(supervised.Resource, supervised.ResourceId, update);

    [LoggerMessage(LogLevel.Debug, "{Resource}: {Previous} -> {State} (exit code {ExitCode})")]
    private static partial void LogTransition(ILogger logger, string resource, string previous, string state, int? exitCode);

    [LoggerMessage(LogLevel.Warning, "{Resource} crashed ({Crash}); restarting in {DelaySeconds:0.###} s (crash {Crashes} within the policy's window)")]
    private static partial void LogRestartScheduled(ILogger logger, string resource, string crash, double delaySeconds, int crashes);

    [LoggerMessage(LogLevel.Information, "{Resource} restarted after a crash (restart {Restarts} of this run)")]
    private static partial void LogRestarted(ILogger logger, string resource, int restarts);

    [LoggerMessage(LogLevel.Error, "{Resource} is in a crash loop: {Reason} (last crash: {Crash}). Fix the cause, then run its command \"Clear crash loop\".")]
    private static partial void LogCrashLoop(ILogger logger, string resource, string reason, string crash);

    [LoggerMessage(LogLevel.Warning, "{Resource}: the restart failed to start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string resource, string reason);

    [LoggerMessage(LogLevel.Information, "{Resource}: crash loop cleared by the operator; starting it again")]
    private static partial void LogCleared(ILogger logger, string resource);
}
