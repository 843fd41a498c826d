using System.Buffers.Binary;
using SkiaSharp;
using SmartHome.Contracts;

namespace SmartHome.Report.Tests;

public sealed class AttackGridModelTests
{
    private static AttackResult R(string pipeline, string attack, string level, int attempts, int succeeded, string? notes = null,
        int unjudged = 0, params (string Layer, int Count)[] blocked) =>
        new()
        {
            Pipeline = pipeline,
            Attack = attack,
            Level = level,
            Attempts = attempts,
            Succeeded = succeeded,
            Unjudged = unjudged,
            BlockedBy = blocked.ToDictionary(b => b.Layer, b => b.Count),
            Notes = notes ?? string.Empty,
        };

    [Fact]
    public void Every_outcome_class_gets_its_label_and_layer()
    {
        var grid = AttackGridModel.Build([
            R("insecure", "eavesdrop", "outsider", 100, 100),
            R("insecure", "client-id-takeover", "outsider", 100, 99, blocked: [("not-delivered", 1)]),
            R("secure", "inject", "compromised-broker", 100, 0, blocked: [("gcm-tag", 100)]),
            R("secure", "credential-guessing", "compromised-broker", 0, 0, "not applicable: the compromised broker already holds every privilege"),
            R("secure", "replay-after-restart", "insider", 0, 0, "skipped: needs a real actuator restart"),
            R("secure", "flood", "outsider", 0, 0),
            R("secure", "tamper", "insider", 100, 0, unjudged: 2, blocked: [("gcm-tag", 98)]),
        ]);

        AssertCell(grid.Cell("insecure", "eavesdrop", "outsider"), AttackOutcome.Worked, "100/100", null, null);
        AssertCell(grid.Cell("insecure", "client-id-takeover", "outsider"), AttackOutcome.Partly, "99/100", "not-delivered", "not-delivered");
        AssertCell(grid.Cell("secure", "inject", "compromised-broker"), AttackOutcome.Blocked, "0/100", "gcm-tag", "gcm-tag");
        AssertCell(grid.Cell("secure", "credential-guessing", "compromised-broker"), AttackOutcome.NotApplicable, "not applicable", null, null);
        AssertCell(grid.Cell("secure", "replay-after-restart", "insider"), AttackOutcome.NotApplicable, "skipped", null, null);
        AssertCell(grid.Cell("secure", "flood", "outsider"), AttackOutcome.NotApplicable, "0 attempts", null, null);

        // Unjudged attempts win over "blocked": 98 blocked + 2 without a verdict is not "no attempt succeeded".
        AssertCell(grid.Cell("secure", "tamper", "insider"), AttackOutcome.Unjudged, "0/100", "2 unjudged", "gcm-tag");
    }

    [Fact]
    public void A_failed_attack_with_zero_attempts_is_unjudged_not_not_applicable()
    {
        var cell = AttackGridModel.Cell(R("secure", "tamper", "outsider", 0, 0, "campaign error: the broker went away", unjudged: 100));
        Assert.Equal(AttackOutcome.Unjudged, cell.Outcome);
        Assert.Equal("no verdict", cell.Label);
        Assert.Equal("100 unjudged", cell.Detail);
    }

    [Fact]
    public void A_mostly_successful_attack_with_a_missing_verdict_is_unjudged_not_worked()
    {
        var cell = AttackGridModel.Cell(R("insecure", "inject", "insider", 100, 98, unjudged: 2));
        Assert.Equal(AttackOutcome.Unjudged, cell.Outcome);
        Assert.Equal("98/100", cell.Label);
        Assert.Equal("2 unjudged", cell.Detail);
    }

    [Fact]
    public void The_layer_that_stopped_most_attempts_is_named_and_the_others_counted()
    {
        var cell = AttackGridModel.Cell(R("secure", "announcement-flood", "compromised-broker", 100, 0,
            blocked: [("signature", 20), ("rate-limit", 80)]));
        Assert.Equal("rate-limit", cell.Layer);
        Assert.Equal(1, cell.OtherLayers);
        Assert.Equal("rate-limit +1", cell.Detail);
    }

    [Fact]
    public void A_tie_goes_to_the_first_layer_name_in_ordinal_order_whatever_the_input_order()
    {
        var a = AttackGridModel.Cell(R("secure", "downgrade", "outsider", 100, 0, blocked: [("tls", 50), ("broker-auth", 50)]));
        var b = AttackGridModel.Cell(R("secure", "downgrade", "outsider", 100, 0, blocked: [("broker-auth", 50), ("tls", 50)]));
        Assert.Equal("broker-auth", a.Layer);
        Assert.Equal("broker-auth +1", a.Detail);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Layers_with_zero_count_are_not_layers()
    {
        var cell = AttackGridModel.Cell(R("secure", "malformed", "insider", 10, 0, blocked: [("acl", 0), ("parser", 10)]));
        Assert.Equal("parser", cell.Detail);
        Assert.Equal(0, cell.OtherLayers);
    }

    [Fact]
    public void A_blocked_cell_without_any_layer_still_says_blocked()
    {
        var cell = AttackGridModel.Cell(R("secure", "malformed", "insider", 10, 0));
        Assert.Equal(AttackOutcome.Blocked, cell.Outcome);
        Assert.Null(cell.Layer);
        Assert.Equal("blocked", cell.Detail);
    }

    [Fact]
    public void A_layer_name_too_long_for_a_cell_is_cut_but_keeps_its_count_of_other_layers()
    {
        var detail = AttackGridModel.LayerText("some-very-long-reject-reason-from-a-newer-actuator", 3);
        Assert.Equal(AttackGridModel.MaxDetailChars, detail!.Length);
        Assert.EndsWith("… +3", detail, StringComparison.Ordinal);
        Assert.StartsWith("some-very-long-r", detail, StringComparison.Ordinal);
        Assert.Equal("announcement-budget +9", AttackGridModel.LayerText("announcement-budget", 9));
    }

    [Fact]
    public void An_attack_only_one_pipeline_ran_has_a_row_in_both_panels()
    {
        var grid = AttackGridModel.Build([
            R("insecure", "eavesdrop", "outsider", 10, 10),
            R("secure", "eavesdrop", "outsider", 10, 0, blocked: [("broker-auth", 10)]),
            R("secure", "capability-abuse", "insider", 10, 0, blocked: [("authorization", 10)]),
        ]);

        Assert.Equal(["eavesdrop", "capability-abuse"], grid.Attacks);
        AssertCell(grid.Cell("insecure", "capability-abuse", "insider"), AttackOutcome.NotRun, "not run", null, null);
        AssertCell(grid.Cell("secure", "capability-abuse", "insider"), AttackOutcome.Blocked, "0/10", "authorization", "authorization");

        // Levels nobody reported are "not run" too, not a missing column.
        Assert.Equal(AttackOutcome.NotRun, grid.Cell("secure", "eavesdrop", "insider").Outcome);
    }

    [Fact]
    public void Rows_follow_the_catalogue_columns_the_capability_levels_and_panels_insecure_then_secure()
    {
        // Secure results first and levels strongest-first: the grid's order must not depend on the answer's order.
        var grid = AttackGridModel.Build([
            R("secure", "inject", "compromised-broker", 5, 0, blocked: [("gcm-tag", 5)]),
            R("secure", "inject", "insider", 5, 0, blocked: [("signature", 5)]),
            R("secure", "replay", "a-new-level", 5, 0, blocked: [("replay-window", 5)]),
            R("secure", "inject", "outsider", 5, 0, blocked: [("broker-auth", 5)]),
            R("insecure", "replay", "outsider", 5, 5),
        ]);

        Assert.Equal(["inject", "replay"], grid.Attacks);
        Assert.Equal(["outsider", "insider", "compromised-broker", "a-new-level"], grid.Levels);
        Assert.Equal(["insecure", "secure"], grid.Panels.Select(p => p.Pipeline));
        Assert.All(grid.Panels, p => Assert.All(p.Rows, row => Assert.Equal(4, row.Count)));
        Assert.Equal("broker-auth", grid.Panels[1].Rows[0][0].Layer);
        Assert.Equal("replay-window", grid.Panels[1].Rows[1][3].Layer);
    }

    [Fact]
    public void Two_results_for_one_cell_count_together()
    {
        var grid = AttackGridModel.Build([
            R("insecure", "replay-after-restart", "insider", 0, 0, "skipped: needs a real actuator restart"),
            R("insecure", "replay-after-restart", "insider", 100, 100),
        ]);
        AssertCell(grid.Cell("insecure", "replay-after-restart", "insider"), AttackOutcome.Worked, "100/100", null, null);
    }

    [Fact]
    public void Each_panel_counts_its_outcomes_and_a_pipeline_without_results_says_so()
    {
        var grid = AttackGridModel.Build(AttackGridFixture.Campaign().Where(r => r.Pipeline == "insecure").ToList());
        Assert.Equal("31 worked, 1 partly, 18 blocked, 1 not applicable (of 51)", grid.Panels[0].Summary);
        Assert.Equal("no results: this pipeline's campaign did not run", grid.Panels[1].Summary);
    }

    private static void AssertCell(AttackGridCell cell, AttackOutcome outcome, string label, string? detail, string? layer)
    {
        Assert.Equal(outcome, cell.Outcome);
        Assert.Equal(label, cell.Label);
        Assert.Equal(detail, cell.Detail);
        Assert.Equal(layer, cell.Layer);
    }
}

public sealed class AttackGridPlotTests
{
    [Fact]
    public void The_layout_of_the_full_catalogue_on_two_pipelines()
    {
        var layout = AttackGridLayout.For(AttackGridModel.Build(AttackGridFixture.Campaign()));
        Assert.Equal(new AttackGridLayout(17, 3, 2), layout);
        Assert.Equal(20 + 200 + 540 + 32 + 540 + 20, layout.Width);
        Assert.Equal(20 + 40 + 52 + 30 + 17 * 46 + 18 + 2 * 28 + 26 + 20, layout.Height);

        // No two cells overlap and every cell is inside the image, left of the legend and right of the attack names.
        var cells = Enumerable.Range(0, 2).SelectMany(p => Enumerable.Range(0, 17).SelectMany(r => Enumerable.Range(0, 3)
            .Select(c => layout.Cell(p, r, c)))).ToList();
        Assert.All(cells, c => Assert.True(c.Left >= AttackGridLayout.Margin + AttackGridLayout.LabelWidth && c.Right <= layout.Width - AttackGridLayout.Margin
            && c.Top >= layout.GridTop && c.Bottom < layout.LegendTop));
        Assert.Equal(cells.Count, cells.Distinct().Count());
        Assert.All(cells, a => Assert.DoesNotContain(cells, b => a != b && a.Left < b.Right && b.Left < a.Right && a.Top < b.Bottom && b.Top < a.Bottom));
    }

    [Fact]
    public void Every_label_of_the_realistic_campaign_fits_its_cell_at_the_normal_font_size()
    {
        var grid = AttackGridModel.Build(AttackGridFixture.Campaign());
        var room = AttackGridLayout.CellWidth - 2 * AttackGridLayout.CellInset - 2 * AttackGridPlot.TextPadding;
        var cells = grid.Panels.SelectMany(p => p.Rows).SelectMany(r => r).ToList();
        Assert.All(cells, c => Assert.InRange(AttackGridPlot.TextWidth(c.Label, AttackGridPlot.LabelFontSize, bold: true), 1, room));
        Assert.All(cells.Where(c => c.Detail is not null),
            c => Assert.InRange(AttackGridPlot.TextWidth(c.Detail!, AttackGridPlot.DetailFontSize, bold: false), 1, room));

        // The widest second line the model allows for the catalogue's layers, and the widest attack name, fit too.
        Assert.InRange(AttackGridPlot.TextWidth("announcement-budget +9", AttackGridPlot.DetailFontSize, bold: false), 1, room);
        Assert.InRange(AttackGridPlot.TextWidth("replay-after-restart", AttackGridPlot.AttackFontSize, bold: false), 1, AttackGridLayout.LabelWidth - 12);
    }

    [Fact]
    public void The_png_is_written_at_the_layout_size_with_each_cell_in_its_outcome_colour()
    {
        // SMARTHOME_PLOT_DIR keeps the picture for a look; otherwise it goes to a temporary file.
        var keep = Environment.GetEnvironmentVariable("SMARTHOME_PLOT_DIR");
        var path = keep is { Length: > 0 } ? Path.Combine(keep, "attack-success.png") : Path.Combine(Path.GetTempPath(), $"attack-success-{Guid.NewGuid():N}.png");
        var grid = AttackGridModel.Build(AttackGridFixture.Campaign());
        var layout = AttackGridLayout.For(grid);
        try
        {
            if (keep is { Length: > 0 })
            {
                Directory.CreateDirectory(keep);
            }

            Plots.AttackOutcomes(AttackGridFixture.Campaign(), path);
            var bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 20_000, $"only {bytes.Length} bytes");

            // PNG: 8-byte signature, then the IHDR chunk whose data starts with width and height (big-endian).
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes[..4]);
            Assert.Equal(layout.Width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)));
            Assert.Equal(layout.Height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));

            using var image = SKBitmap.Decode(path);
            foreach (var (p, attack, level) in new[]
            {
                (0, "eavesdrop", "outsider"), (0, "client-id-takeover", "outsider"), (1, "inject", "compromised-broker"),
                (1, "credential-guessing", "compromised-broker"), (1, "eavesdrop", "insider"),
            })
            {
                var cell = grid.Cell(grid.Panels[p].Pipeline, attack, level);
                var fill = layout.Fill(p, grid.Attacks.ToList().IndexOf(attack), grid.Levels.ToList().IndexOf(level));

                // A few pixels in from the fill's corner: past the border and the anti-aliased edge, away from the text.
                var pixel = image.GetPixel(fill.Left + 5, fill.Top + 5);
                var expected = AttackGridPlot.Style(cell.Outcome).Fill;
                Assert.True((pixel.Red, pixel.Green, pixel.Blue) == (expected.R, expected.G, expected.B),
                    $"{attack} {level} ({cell.Outcome}): pixel {pixel}, expected {expected}");
            }

            // The unjudged cell is hatched: its stripes' colour shows beside the plain patch under its text.
            var unjudged = layout.Fill(1, grid.Attacks.ToList().IndexOf("tamper"), 1);
            Assert.Equal(AttackOutcome.Unjudged, grid.Cell("secure", "tamper", "insider").Outcome);
            var hatch = AttackGridPlot.Style(AttackOutcome.Unjudged).Hatch!.Value;
            var stripes = Enumerable.Range(unjudged.Left + 1, 12).SelectMany(x => Enumerable.Range(unjudged.Top + 1, unjudged.Height - 2)
                .Select(y => image.GetPixel(x, y))).Count(c => Math.Abs(c.Red - hatch.R) + Math.Abs(c.Green - hatch.G) + Math.Abs(c.Blue - hatch.B) < 30);
            Assert.True(stripes > 20, $"{stripes} pixels of the hatch colour");

            // Between two cells the page shows through, so equal neighbours read as separate cells.
            var gap = image.GetPixel(layout.Cell(0, 0, 1).Left, (int)layout.Cell(0, 0, 1).CenterY);
            Assert.Equal((byte)255, gap.Red);
        }
        finally
        {
            if (keep is not { Length: > 0 })
            {
                File.Delete(path);
            }
        }
    }
}

/// <summary>
/// A realistic campaign answer (100 attempts per attack and level, both pipelines, the whole catalogue in order),
/// shaped like the runs in the report README: the insecure pipeline loses the classic attacks, the secure one blocks
/// everything, with one client-id takeover not delivered, a tie, two layers for the announcement flood, and one
/// tamper with unjudged attempts.
/// </summary>
internal static class AttackGridFixture
{
    private static readonly string[] Levels = ["outsider", "insider", "compromised-broker"];

    public static List<AttackResult> Campaign()
    {
        var results = new List<AttackResult>();
        void Add(string pipeline, string attack, params Outcome[] perLevel)
        {
            for (var i = 0; i < Levels.Length; i++)
            {
                var o = perLevel[i];
                results.Add(new AttackResult
                {
                    Pipeline = pipeline,
                    Attack = attack,
                    Level = Levels[i],
                    Attempts = o.Attempts,
                    Succeeded = o.Succeeded,
                    Unjudged = o.Unjudged,
                    BlockedBy = o.Blocked.ToDictionary(b => b.Layer, b => b.Count),
                    Notes = o.Notes ?? string.Empty,
                });
            }
        }

        var worked = Outcome.Worked(100);
        var notApplicable = new Outcome(0, 0, [], "not applicable: the compromised broker already holds every privilege");

        Add("insecure", "eavesdrop", worked, worked, worked);
        Add("insecure", "inject", worked, worked, worked);
        Add("insecure", "tamper", worked, worked, worked);
        Add("insecure", "replay", worked, worked, worked);
        Add("insecure", "replay-cross-topic", Outcome.By("topic-binding"), Outcome.By("topic-binding"), Outcome.By("topic-binding"));
        Add("insecure", "key-substitution", worked, worked, worked);
        Add("insecure", "downgrade", worked, worked, worked);
        Add("insecure", "wildcard-subscribe", worked, worked, worked);
        Add("insecure", "credential-guessing", worked, worked, notApplicable);
        Add("insecure", "client-id-takeover", new Outcome(100, 99, [("not-delivered", 1)]), worked, worked);
        Add("insecure", "retained-poisoning", worked, worked, worked);
        Add("insecure", "malformed", Outcome.By("parser"), Outcome.By("parser"), Outcome.By("parser"));
        Add("insecure", "oversized", Outcome.By("parser"), Outcome.By("parser"), Outcome.By("parser"));
        Add("insecure", "flood", worked, worked, worked);
        Add("insecure", "capability-abuse", Outcome.By("authorization"), Outcome.By("authorization"), Outcome.By("authorization"));
        Add("insecure", "implausible-value", Outcome.By("plausibility"), Outcome.By("plausibility"), Outcome.By("plausibility"));
        Add("insecure", "announcement-flood", Outcome.By("acl"), Outcome.By("acl"), Outcome.By("acl"));

        var auth = Outcome.By("broker-auth");
        Add("secure", "eavesdrop", auth, Outcome.By("acl"), Outcome.By("encryption"));
        Add("secure", "inject", auth, Outcome.By("signature"), Outcome.By("gcm-tag"));
        Add("secure", "tamper", auth, new Outcome(100, 0, [("gcm-tag", 97)], Unjudged: 3), Outcome.By("gcm-tag"));
        Add("secure", "replay", auth, Outcome.By("replay-window"), Outcome.By("replay-window"));
        Add("secure", "replay-cross-topic", auth, Outcome.By("topic-binding"), Outcome.By("topic-binding"));
        Add("secure", "key-substitution", auth, Outcome.By("signature"), Outcome.By("signature"));
        Add("secure", "downgrade", new Outcome(100, 0, [("tls", 50), ("broker-auth", 50)]), Outcome.By("parser"), Outcome.By("parser"));
        Add("secure", "wildcard-subscribe", auth, Outcome.By("acl"), Outcome.By("encryption"));
        Add("secure", "credential-guessing", auth, auth, notApplicable);
        Add("secure", "client-id-takeover", auth, Outcome.By("client-id-binding"), Outcome.By("client-id-binding"));
        Add("secure", "retained-poisoning", auth, Outcome.By("signature"), Outcome.By("gcm-tag"));
        Add("secure", "malformed", auth, Outcome.By("parser"), Outcome.By("parser"));
        Add("secure", "oversized", auth, Outcome.By("parser"), Outcome.By("parser"));
        Add("secure", "flood", auth, Outcome.By("gcm-tag"), Outcome.By("gcm-tag"));
        Add("secure", "capability-abuse", auth, Outcome.By("authorization"), Outcome.By("signature"));
        Add("secure", "implausible-value", auth, Outcome.By("plausibility"), Outcome.By("signature"));
        Add("secure", "announcement-flood", auth, new Outcome(60_000, 0, [("rate-limit", 59_700), ("announcement-budget", 300)]),
            new Outcome(100, 0, [("signature", 20), ("rate-limit", 80)]));
        return results;
    }

    private sealed record Outcome(int Attempts, int Succeeded, (string Layer, int Count)[] Blocked, string? Notes = null, int Unjudged = 0)
    {
        public static Outcome Worked(int n) => new(n, n, []);

        public static Outcome By(string layer) => new(100, 0, [(layer, 100)]);
    }
}
