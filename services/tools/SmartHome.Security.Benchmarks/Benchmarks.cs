using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;

namespace SmartHome.Security.Benchmarks;

/// <summary>Fixed test keys and a frozen clock shared by the benchmarks.</summary>
public static class Bench
{
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    public const string Topic = "smarthome/readings/temp-living";
    public static string Key(string name) => Path.Combine(AppContext.BaseDirectory, "keys", name);
    public static RSA ActuatorPrivate() => KeyFiles.LoadRsa(Key("actuator.rsa.key.pem"), true);
    public static RSA ActuatorPublic() => KeyFiles.LoadRsa(Key("actuator.rsa.pub.pem"), false);
    public static DSA DevicePrivate() => KeyFiles.LoadDsa(Key("temp-living.dsa.key.pem"), true);
    public static DSA DevicePublic() => KeyFiles.LoadDsa(Key("temp-living.dsa.pub.pem"), false);
    public static byte[] Reading() => [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
}

public sealed class FrozenTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>
/// Seal, seal+open and the primitives they are made of, for a 256-byte reading. The goal: SealAndOpen within
/// 1.15x of Primitives (DSA sign + DSA verify + AES-GCM encrypt + decrypt).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class EnvelopeBenchmarks
{
    private RSA _rsaPriv = null!, _rsaPub = null!;
    private DSA _dsaPriv = null!, _dsaPub = null!;
    private EnvelopeSender _sender = null!;
    private EnvelopeReceiver _receiver = null!;
    private AesGcm _aes = null!;
    private readonly byte[] _plain = Bench.Reading();
    private readonly byte[] _cipher = new byte[256];
    private readonly byte[] _decrypted = new byte[256];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _aad = new byte[80];
    private readonly byte[] _signed = new byte[400];
    private readonly byte[] _signature = new byte[64];

    [GlobalSetup]
    public void Setup()
    {
        _rsaPriv = Bench.ActuatorPrivate();
        _rsaPub = Bench.ActuatorPublic();
        _dsaPriv = Bench.DevicePrivate();
        _dsaPub = Bench.DevicePublic();
        var time = new FrozenTime(Bench.Now);
        // Huge rotation limits: the measured Seal never includes an announcement.
        _sender = new EnvelopeSender("temp-living", _dsaPriv, _rsaPub, new RotationPolicy { MaxMessages = int.MaxValue, MaxAge = TimeSpan.MaxValue }, time: time);
        _receiver = new EnvelopeReceiver(_rsaPriv, [new("temp-living", _dsaPub)], ReplayStore.InMemory(), new EnvelopeReceiverOptions { Time = time });
        SealResult first = _sender.Seal(Bench.Topic, _plain);
        _receiver.Receive(first.Announcement!.Topic, first.Announcement.Message);
        _aes = new AesGcm(RandomNumberGenerator.GetBytes(32), 16);
        RandomNumberGenerator.Fill(_signed);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(_signed, hash);
        _dsaPriv.TryCreateSignature(hash, _signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out _);
        _aes.Encrypt(_nonce, _plain, _cipher, _tag, _aad);
    }

    [Benchmark]
    public byte[] Seal() => _sender.Seal(Bench.Topic, _plain).Message;

    [Benchmark]
    public ReceiveOutcome SealAndOpen() => _receiver.Receive(Bench.Topic, _sender.Seal(Bench.Topic, _plain).Message).Outcome;

    [Benchmark(Baseline = true)]
    public bool Primitives()
    {
        DsaSign();
        AesGcmEncrypt();
        AesGcmDecrypt();
        return DsaVerify();
    }

    [Benchmark]
    public int DsaSign()
    {
        Span<byte> hash = stackalloc byte[32];
        Span<byte> sig = stackalloc byte[64];
        SHA256.HashData(_signed, hash);
        _dsaPriv.TryCreateSignature(hash, sig, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out int n);
        return n;
    }

    [Benchmark]
    public bool DsaVerify()
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(_signed, hash);
        return _dsaPub.VerifySignature(hash, _signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    [Benchmark]
    public void AesGcmEncrypt() => _aes.Encrypt(_nonce, _plain, _cipher, _tag, _aad);

    [Benchmark]
    public void AesGcmDecrypt() => _aes.Decrypt(_nonce, _cipher, _tag, _decrypted, _aad);

    [Benchmark]
    public byte[] Announce() => _sender.RotateNow().Message;

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
        _aes.Dispose();
    }
}

/// <summary>Receive-only costs: each iteration gets a fresh receiver so pre-sealed messages are not replays.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ReceiveBenchmarks
{
    private const int Messages = 512;
    private const int Announcements = 64;
    private RSA _rsaPriv = null!;
    private DSA _dsaPub = null!;
    private FrozenTime _time = null!;
    private byte[] _announcement = null!;
    private byte[][] _data = null!;
    private byte[][] _announcements = null!;
    private EnvelopeReceiver _receiver = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _rsaPriv = Bench.ActuatorPrivate();
        _dsaPub = Bench.DevicePublic();
        _time = new FrozenTime(Bench.Now);
        using RSA rsaPub = Bench.ActuatorPublic();
        using DSA dsaPriv = Bench.DevicePrivate();
        using var sender = new EnvelopeSender("temp-living", dsaPriv, rsaPub, new RotationPolicy { MaxMessages = int.MaxValue, MaxAge = TimeSpan.MaxValue }, time: _time);
        byte[] plain = Bench.Reading();
        SealResult first = sender.Seal(Bench.Topic, plain);
        _announcement = first.Announcement!.Message;
        _data = [first.Message, .. Enumerable.Range(1, Messages - 1).Select(_ => sender.Seal(Bench.Topic, plain).Message)];
        _announcements = [.. Enumerable.Range(0, Announcements).Select(_ => sender.RotateNow().Message)];
    }

    private void Fresh()
    {
        _receiver?.Dispose();
        // Accepting announcements back to back is what is measured: the flood budget is lifted, and the sender stamps its
        // rotations 200 ms apart, so the freshness window must cover them all.
        _receiver = new EnvelopeReceiver(_rsaPriv, [new("temp-living", _dsaPub)], ReplayStore.InMemory(),
            new EnvelopeReceiverOptions { Time = _time, AnnouncementsPerSenderPerSecond = int.MaxValue, FreshnessWindow = TimeSpan.FromDays(1) });
        _next = 0;
    }

    [IterationSetup(Target = nameof(Open))]
    public void SetupOpen()
    {
        Fresh();
        _receiver.Receive("smarthome/keys/temp-living", _announcement);
    }

    [IterationSetup(Target = nameof(AcceptAnnouncement))]
    public void SetupAccept() => Fresh();

    [Benchmark]
    [InvocationCount(Messages, unrollFactor: 1)]
    public ReceiveOutcome Open() => _receiver.Receive(Bench.Topic, _data[_next++]).Outcome;

    [Benchmark]
    [InvocationCount(Announcements, unrollFactor: 1)]
    public ReceiveOutcome AcceptAnnouncement() => _receiver.Receive("smarthome/keys/temp-living", _announcements[_next++]).Outcome;
}
