using System.Buffers.Binary;
using System.Text;

namespace SmartHome.Security.Tests;

/// <summary>Every single-bit flip of every byte of a sealed message is rejected, with the reason expected for its region.</summary>
public class BitFlipTests
{
    private const int FreshnessMs = 30_000;

    private static string ExpectedCommon(int offset, byte original, byte flipped, byte[] wire, int idLen, string authenticatorFails, out bool handled)
    {
        handled = true;
        int keyOff = 3 + idLen, ctrOff = 7 + idLen, tsOff = 15 + idLen;
        if (offset is 0 or 1)
        {
            return RejectReasons.Malformed;
        }
        if (offset == 2)
        {
            return "malformed|unknown-sender";
        }
        if (offset < keyOff)
        {
            return EnvelopeFormat.IsIdChar(flipped) ? RejectReasons.UnknownSender : RejectReasons.Malformed;
        }
        if (offset >= tsOff && offset < tsOff + 8)
        {
            long orig = BinaryPrimitives.ReadInt64BigEndian(wire.AsSpan(tsOff));
            byte[] copy = (byte[])wire.Clone();
            copy[offset] = flipped;
            long now = BinaryPrimitives.ReadInt64BigEndian(copy.AsSpan(tsOff));
            return Math.Abs((decimal)now - orig) > FreshnessMs ? RejectReasons.Stale : authenticatorFails;
        }
        _ = original;
        _ = ctrOff;
        handled = false;
        return string.Empty;
    }

    [Fact]
    public void DataMessage_EveryBitFlip_RejectedWithRegionReason()
    {
        using var rig = new Rig();
        byte[] wire = rig.SealDelivered(Encoding.UTF8.GetBytes("{\"t\":21.5,\"unit\":\"C\"}"));
        int idLen = TestKeys.Device.Length;
        int keyOff = 3 + idLen, ctrOff = 7 + idLen, lenOff = 23 + idLen;
        ulong counter = BinaryPrimitives.ReadUInt64BigEndian(wire.AsSpan(ctrOff));
        var counts = new Dictionary<string, int>();

        for (int i = 0; i < wire.Length; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] m = (byte[])wire.Clone();
                m[i] ^= (byte)(1 << bit);
                // Data: AES-GCM (header and topic as associated data) is checked before the DSA signature.
                string expected = ExpectedCommon(i, wire[i], m[i], wire, idLen, RejectReasons.GcmTag, out bool handled);
                if (!handled)
                {
                    if (i < ctrOff)
                    {
                        expected = BinaryPrimitives.ReadUInt32BigEndian(m.AsSpan(keyOff)) == 0 ? RejectReasons.Malformed : RejectReasons.UnknownKey;
                    }
                    else if (i < ctrOff + 8)
                    {
                        ulong c = BinaryPrimitives.ReadUInt64BigEndian(m.AsSpan(ctrOff));
                        // The announcement used counter - 1 and is in the window.
                        expected = c == 0 ? RejectReasons.Malformed : c == counter - 1 ? RejectReasons.Replay : RejectReasons.GcmTag;
                    }
                    else if (i < lenOff + 2)
                    {
                        expected = RejectReasons.Malformed;
                    }
                    else
                    {
                        // Ciphertext and tag fail GCM; only the signature itself reaches the DSA check.
                        expected = i >= wire.Length - EnvelopeFormat.SignatureSize ? RejectReasons.BadSignature : RejectReasons.GcmTag;
                    }
                }
                ReceiveResult r = rig.Receiver.Receive(rig.DataTopic, m);
                Assert.Equal(ReceiveOutcome.Rejected, r.Outcome);
                Assert.True(expected.Split('|').Contains(r.Reason), $"byte {i} bit {bit}: expected {expected}, got {r.Reason}");
                counts[r.Reason!] = counts.GetValueOrDefault(r.Reason!) + 1;
            }
        }
        Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, wire).Outcome);
        Assert.True(counts[RejectReasons.BadSignature] > 0 && counts[RejectReasons.GcmTag] > 0 && counts[RejectReasons.Malformed] > 0 && counts[RejectReasons.Stale] > 0);
    }

    [Fact]
    public void Announcement_EveryBitFlip_RejectedWithRegionReason()
    {
        // Thousands of failed announcements in one second: lift the flood budget, this test is about reasons.
        using var rig = new Rig(options: new EnvelopeReceiverOptions { AnnouncementsPerSenderPerSecond = int.MaxValue, FailedAnnouncementsPerSecond = int.MaxValue });
        KeyAnnouncement a = rig.Sender.RotateNow();
        byte[] wire = a.Message;
        int idLen = TestKeys.Device.Length;
        int h = EnvelopeFormat.FixedHeaderSize + idLen;
        int ctrOff = 7 + idLen;
        int fpOff = h + EnvelopeFormat.SaltSize, wlenOff = fpOff + EnvelopeFormat.FingerprintSize;

        for (int i = 0; i < wire.Length; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] m = (byte[])wire.Clone();
                m[i] ^= (byte)(1 << bit);
                string expected = ExpectedCommon(i, wire[i], m[i], wire, idLen, RejectReasons.BadSignature, out bool handled);
                if (!handled)
                {
                    if (i < ctrOff)
                    {
                        expected = BinaryPrimitives.ReadUInt32BigEndian(m.AsSpan(3 + idLen)) == 0 ? RejectReasons.Malformed : RejectReasons.BadSignature;
                    }
                    else if (i < ctrOff + 8)
                    {
                        expected = BinaryPrimitives.ReadUInt64BigEndian(m.AsSpan(ctrOff)) == 0 ? RejectReasons.Malformed : RejectReasons.BadSignature;
                    }
                    else if (i >= fpOff && i < wlenOff)
                    {
                        expected = RejectReasons.UnknownKey; // wrapped for another recipient
                    }
                    else if (i >= wlenOff && i < wlenOff + 2)
                    {
                        expected = RejectReasons.Malformed;
                    }
                    else
                    {
                        expected = RejectReasons.BadSignature; // salt, wrapped key, signature
                    }
                }
                ReceiveResult r = rig.Receiver.Receive(a.Topic, m);
                Assert.Equal(ReceiveOutcome.Rejected, r.Outcome);
                Assert.True(expected.Split('|').Contains(r.Reason), $"byte {i} bit {bit}: expected {expected}, got {r.Reason}");
            }
        }
        Assert.Equal(ReceiveOutcome.KeyAccepted, rig.Receiver.Receive(a.Topic, wire).Outcome);
    }
}
