using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;

namespace SmartHome.Security.Benchmarks;

/// <summary>
/// Seal and seal+open of the v2 suites (docs/PROTOCOL.md "Crypto suites") against the primitives each is made of, for the
/// same 256-byte reading as <see cref="EnvelopeBenchmarks"/> (which is the seed suite): modern = Ed25519 sign + verify +
/// AES-GCM encrypt + decrypt; session-signed = AES-GCM encrypt + decrypt only. The goal: SealAndOpen within 1.15x of
/// Primitives.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class SuiteBenchmarks
{
    private NSec.Cryptography.Key _agreement = null!, _signing = null!;
    private SuiteEnvelopeSender _sender = null!;
    private SuiteEnvelopeReceiver _receiver = null!;
    private AesGcm _aes = null!;
    private readonly byte[] _plain = Bench.Reading();
    private readonly byte[] _cipher = new byte[256];
    private readonly byte[] _decrypted = new byte[256];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _aad = new byte[80];
    private readonly byte[] _signed = new byte[400];
    private byte[] _signature = null!;

    [Params(CryptoSuite.Modern, CryptoSuite.SessionSigned)]
    public CryptoSuite Suite { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _agreement = NSec.Cryptography.Key.Create(SuiteFormat.Agreement);
        _signing = NSec.Cryptography.Key.Create(SuiteFormat.Signature);
        var time = new FrozenTime(Bench.Now);
        // Huge rotation limits: the measured Seal never includes an announcement.
        _sender = new SuiteEnvelopeSender("temp-living", Suite, _signing, _agreement.PublicKey,
            new RotationPolicy { MaxMessages = int.MaxValue, MaxAge = TimeSpan.MaxValue }, time: time);
        _receiver = new SuiteEnvelopeReceiver(_agreement, [new("temp-living", _signing.PublicKey)], ReplayStore.InMemory(),
            new EnvelopeReceiverOptions { Time = time });
        SealResult first = _sender.Seal(Bench.Topic, _plain);
        _receiver.Receive(first.Announcement!.Topic, first.Announcement.Message);
        _aes = new AesGcm(RandomNumberGenerator.GetBytes(32), 16);
        RandomNumberGenerator.Fill(_signed);
        _signature = SuiteFormat.Signature.Sign(_signing, _signed);
        _aes.Encrypt(_nonce, _plain, _cipher, _tag, _aad);
    }

    [Benchmark]
    public byte[] Seal() => _sender.Seal(Bench.Topic, _plain).Message;

    [Benchmark]
    public ReceiveOutcome SealAndOpen() => _receiver.Receive(Bench.Topic, _sender.Seal(Bench.Topic, _plain).Message).Outcome;

    /// <summary>What the suite's seal+open cannot do without: AES-GCM both ways, plus Ed25519 sign and verify for modern.</summary>
    [Benchmark(Baseline = true)]
    public bool Primitives()
    {
        _aes.Encrypt(_nonce, _plain, _cipher, _tag, _aad);
        _aes.Decrypt(_nonce, _cipher, _tag, _decrypted, _aad);
        if (Suite != CryptoSuite.Modern)
        {
            return true;
        }
        Span<byte> sig = stackalloc byte[SuiteFormat.SignatureSize];
        SuiteFormat.Signature.Sign(_signing, _signed, sig);
        return SuiteFormat.Signature.Verify(_signing.PublicKey, _signed, _signature);
    }

    [Benchmark]
    public byte[] Announce() => _sender.RotateNow().Message;

    [GlobalCleanup]
    public void Cleanup()
    {
        _sender.Dispose();
        _receiver.Dispose();
        _aes.Dispose();
        _agreement.Dispose();
        _signing.Dispose();
    }
}
