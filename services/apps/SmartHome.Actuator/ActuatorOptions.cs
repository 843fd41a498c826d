using SmartHome.Contracts;
using SmartHome.ServiceDefaults;

namespace SmartHome.Actuator;

/// <summary>Actuator settings (section <c>Actuator</c>), validated at start.</summary>
public sealed class ActuatorOptions : IValidatableOptions
{
    public const string SectionName = "Actuator";

    /// <summary>Decisions kept for <c>GET /decisions</c> (the newest; older ones are dropped).</summary>
    public int DecisionLogCapacity { get; set; } = Decision.DefaultLogCapacity;

    /// <summary>Message ids remembered per sender in the applied journal (what makes a retransmission apply at most once).</summary>
    public int AppliedIdsPerSender { get; set; } = AppliedJournal.DefaultPerSenderCapacity;

    /// <summary>How long the broker keeps the actuator's session (and queues its QoS 1 readings) while it is away.</summary>
    public uint SessionExpirySeconds { get; set; } = 3600;

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (DecisionLogCapacity < 1)
        {
            problems.Add($"Actuator:DecisionLogCapacity must be at least 1 (is {DecisionLogCapacity}).");
        }

        if (AppliedIdsPerSender < 1)
        {
            problems.Add($"Actuator:AppliedIdsPerSender must be at least 1 (is {AppliedIdsPerSender}).");
        }

        return problems;
    }
}
