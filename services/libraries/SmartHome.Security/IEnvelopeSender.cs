namespace SmartHome.Security;

/// <summary>Seals one device's readings in the deployment's suite (<see cref="EnvelopeSender"/> for seed, <see cref="SuiteEnvelopeSender"/> for v2).</summary>
public interface IEnvelopeSender : IDisposable
{
    string SenderId { get; }

    /// <summary>Seals <paramref name="plaintext"/> for <paramref name="topic"/>; publish <see cref="SealResult.Announcement"/> first when set.</summary>
    SealResult Seal(string topic, ReadOnlySpan<byte> plaintext);

    /// <summary>Starts a new session key now and returns its announcement.</summary>
    KeyAnnouncement RotateNow();

    /// <summary>
    /// The next <see cref="Seal"/> starts a new session key and carries its announcement, as a rotation does: for a
    /// receiver that may never have had the current key (its announcement lost with a crashed broker).
    /// </summary>
    void RotateAtNextSeal();
}
