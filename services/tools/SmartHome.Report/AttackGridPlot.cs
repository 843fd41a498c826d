using ScottPlot;

namespace SmartHome.Report;

/// <summary>How an outcome class is painted: fill, text colour, optional hatch, and its legend sentence.</summary>
public sealed record OutcomeStyle(Color Fill, Color Text, Color? Hatch, string Legend);

/// <summary>
/// Draws an <see cref="AttackGrid"/> as one PNG: the pipelines' grids side by side, rows = attacks, columns = capability
/// levels, each cell coloured by outcome and labelled with its count and blocking layer. Pixel positions come from
/// <see cref="AttackGridLayout"/>; the plot's axes are hidden and its data area is the whole image in pixel units
/// (y flipped), so a layout box is exactly where it is drawn.
/// </summary>
public static class AttackGridPlot
{
    public const float TitleFontSize = 20;
    public const float PanelTitleFontSize = 18;
    public const float SummaryFontSize = 13;
    public const float HeaderFontSize = 14;
    public const float AttackFontSize = 14;
    public const float LabelFontSize = 15;
    public const float DetailFontSize = 13;
    public const float LegendFontSize = 13;

    /// <summary>A label is shrunk to fit its cell, but not below this; the model's length caps keep real labels at full size.</summary>
    public const float MinFontSize = 10;

    /// <summary>Space kept free on each side of a cell's text.</summary>
    public const int TextPadding = 6;

    /// <summary>
    /// A sans-serif font that is installed: small labels read better without serifs, and ScottPlot's own choice
    /// (<see cref="Fonts.Sans"/>) resolved to DejaVu Serif on this Linux machine. Falls back to ScottPlot's default.
    /// </summary>
    private static readonly string FontName =
        new[] { "Segoe UI", "Helvetica", "Arial", "Liberation Sans", "DejaVu Sans" }
            .FirstOrDefault(name => Fonts.GetTypeface(name, false, false).FamilyName == name) ?? Fonts.Default;

    private static readonly Color Ink = new(33, 33, 33);
    private static readonly Color Muted = new(95, 95, 95);
    private static readonly Color NoResultBorder = new(190, 190, 190);

    // A luminance ladder (ColorBrewer hues): worked is darkest, then partly, blocked, "no result" lightest, so the
    // classes stay apart in greyscale and for red-green colour-blind readers; unjudged adds a hatch instead of a
    // fifth grey level. Every label says the same thing in words.
    private static readonly Dictionary<AttackOutcome, OutcomeStyle> Styles = new()
    {
        [AttackOutcome.Worked] = new(new Color(165, 15, 21), Colors.White, null, "attack worked: every attempt succeeded"),
        [AttackOutcome.Partly] = new(new Color(230, 85, 13), Colors.Black, null, "partly worked: some attempts succeeded"),
        [AttackOutcome.Blocked] = new(new Color(161, 217, 155), Colors.Black, null, "blocked: no attempt succeeded"),
        [AttackOutcome.Unjudged] = new(new Color(218, 218, 235), Colors.Black, new Color(117, 107, 177),
            "unjudged attempts present (no verdict for some)"),
        [AttackOutcome.NotApplicable] = new(new Color(242, 242, 242), Muted, null, "not applicable, skipped or not run (0 attempts)"),
        [AttackOutcome.NotRun] = new(new Color(242, 242, 242), Muted, null, "not run"),
    };

    /// <summary>The legend's entries: "not run" shares the grey of "not applicable" and its entry.</summary>
    public static readonly IReadOnlyList<AttackOutcome> LegendOrder =
        [AttackOutcome.Worked, AttackOutcome.Partly, AttackOutcome.Blocked, AttackOutcome.Unjudged, AttackOutcome.NotApplicable];

    public const string Note =
        "In each cell: attempts that succeeded / attempts; below it, the layer that stopped most attempts (+N: N more layers, " +
        "all listed in summary.md). Rows: the attack catalogue in order.";

    public static OutcomeStyle Style(AttackOutcome outcome) => Styles[outcome];

    /// <summary>Writes the grid as a PNG of <see cref="AttackGridLayout.Width"/> × <see cref="AttackGridLayout.Height"/> pixels.</summary>
    public static void Save(AttackGrid grid, string path)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var layout = AttackGridLayout.For(grid);
        var plot = new Plot();
        plot.FigureBackground.Color = Colors.White;
        plot.DataBackground.Color = Colors.White;
        plot.Axes.Frameless();
        plot.HideGrid();
        plot.Layout.Fixed(new PixelRect(0, layout.Width, layout.Height, 0));
        plot.Axes.SetLimits(0, layout.Width, 0, layout.Height);
        var canvas = new PixelCanvas(plot, layout.Height);

        canvas.Text("Attack outcomes per attack and attacker capability level", layout.Width / 2.0, AttackGridLayout.Margin + AttackGridLayout.TitleHeight / 2.0,
            TitleFontSize, bold: true, Ink, Alignment.MiddleCenter);

        for (var p = 0; p < grid.Panels.Count; p++)
        {
            DrawPanel(canvas, layout, grid, p);
        }

        for (var r = 0; r < grid.Attacks.Count; r++)
        {
            var row = layout.Cell(0, r, 0);
            canvas.Text(grid.Attacks[r], row.Left - 12, row.CenterY, AttackFontSize, bold: false, Ink, Alignment.MiddleRight);
        }

        DrawLegend(canvas, layout);
        plot.SavePng(path, layout.Width, layout.Height);
    }

    /// <summary>Width in pixels of <paramref name="text"/> as the plot renders it (its font, size and weight).</summary>
    public static float TextWidth(string text, float size, bool bold)
    {
        using var paint = Paint.NewDisposablePaint();
        return new LabelStyle { Text = text, FontName = FontName, FontSize = size, Bold = bold }.Measure(text, paint).Width;
    }

    /// <summary>The largest size up to <paramref name="size"/> at which <paramref name="text"/> fits in <paramref name="width"/> pixels.</summary>
    public static float FitFontSize(string text, float size, bool bold, float width)
    {
        while (size > MinFontSize && TextWidth(text, size, bold) > width)
        {
            size -= 0.5f;
        }

        return size;
    }

    private static void DrawPanel(PixelCanvas canvas, AttackGridLayout layout, AttackGrid grid, int p)
    {
        var panel = grid.Panels[p];
        var box = layout.Panel(p);
        var titleTop = layout.PanelTitleTop;
        canvas.Text(PanelTitle(panel.Pipeline), box.CenterX, titleTop + 16, PanelTitleFontSize, bold: true, Ink, Alignment.MiddleCenter);
        canvas.Text(panel.Summary, box.CenterX, titleTop + 38, FitFontSize(panel.Summary, SummaryFontSize, false, box.Width),
            bold: false, Muted, Alignment.MiddleCenter);

        for (var c = 0; c < grid.Levels.Count; c++)
        {
            var header = layout.Cell(p, 0, c);
            var name = grid.Levels[c].Replace('-', ' ');
            canvas.Text(name, header.CenterX, layout.HeaderTop + AttackGridLayout.HeaderHeight / 2.0,
                FitFontSize(name, HeaderFontSize, true, header.Width - 2 * TextPadding), bold: true, Ink, Alignment.MiddleCenter);
        }

        for (var r = 0; r < panel.Rows.Count; r++)
        {
            for (var c = 0; c < panel.Rows[r].Count; c++)
            {
                DrawCell(canvas, layout.Fill(p, r, c), panel.Rows[r][c]);
            }
        }
    }

    private static void DrawCell(PixelCanvas canvas, PixelBox fill, AttackGridCell cell)
    {
        var style = Style(cell.Outcome);
        canvas.Box(fill, style, cell.Outcome is AttackOutcome.NotApplicable or AttackOutcome.NotRun);
        var room = fill.Width - 2 * TextPadding;
        var labelSize = FitFontSize(cell.Label, LabelFontSize, true, room);
        var detailSize = cell.Detail is null ? 0 : FitFontSize(cell.Detail, DetailFontSize, false, room);

        // Hatched cells get their text on one plain patch of the cell's colour, or the stripes would cut through it.
        if (style.Hatch is not null)
        {
            var textWidth = Math.Max(TextWidth(cell.Label, labelSize, true), cell.Detail is null ? 0 : TextWidth(cell.Detail, detailSize, false));
            var width = (int)Math.Min(fill.Width - 8, Math.Ceiling(textWidth) + 2 * TextPadding);
            canvas.Box(new PixelBox((int)Math.Round(fill.CenterX - width / 2.0), fill.Top + 4, width, fill.Height - 8), style with { Hatch = null }, outlined: false);
        }

        if (cell.Detail is null)
        {
            canvas.Text(cell.Label, fill.CenterX, fill.CenterY, labelSize, bold: true, style.Text, Alignment.MiddleCenter);
            return;
        }

        canvas.Text(cell.Label, fill.CenterX, fill.CenterY - 9, labelSize, bold: true, style.Text, Alignment.MiddleCenter);
        canvas.Text(cell.Detail, fill.CenterX, fill.CenterY + 10, detailSize, bold: false, style.Text, Alignment.MiddleCenter);
    }

    private static void DrawLegend(PixelCanvas canvas, AttackGridLayout layout)
    {
        for (var i = 0; i < LegendOrder.Count; i++)
        {
            var style = Style(LegendOrder[i]);
            var swatch = layout.LegendSwatch(i);
            canvas.Box(swatch, style, LegendOrder[i] == AttackOutcome.NotApplicable);
            canvas.Text(style.Legend, swatch.Right + 8, swatch.CenterY,
                FitFontSize(style.Legend, LegendFontSize, false, layout.LegendEntryWidth - swatch.Width - 16), bold: false, Ink, Alignment.MiddleLeft);
        }

        canvas.Text(Note, AttackGridLayout.Margin, layout.NoteTop + AttackGridLayout.NoteHeight / 2.0,
            FitFontSize(Note, LegendFontSize, false, layout.Width - 2 * AttackGridLayout.Margin), bold: false, Muted, Alignment.MiddleLeft);
    }

    private static string PanelTitle(string pipeline) => pipeline switch
    {
        "insecure" => "Insecure pipeline",
        "secure" => "Secure pipeline",
        _ => pipeline + " pipeline",
    };

    /// <summary>Draws in image pixels (y down) on a plot whose data area is the image with y up.</summary>
    private sealed class PixelCanvas(Plot plot, int height)
    {
        public void Box(PixelBox box, OutcomeStyle style, bool outlined)
        {
            var rect = plot.Add.Rectangle(box.Left, box.Right, height - box.Bottom, height - box.Top);
            rect.FillColor = style.Fill;
            if (style.Hatch is { } hatch)
            {
                rect.FillHatch = new ScottPlot.Hatches.Striped(ScottPlot.Hatches.StripeDirection.DiagonalUp);
                rect.FillHatchColor = hatch;
            }

            // The light grey of "no result" is close to the white page; a thin border keeps the grid visible there.
            rect.LineWidth = outlined ? 1 : 0;
            rect.LineColor = outlined ? NoResultBorder : Colors.Transparent;
        }

        public void Text(string text, double x, double y, float size, bool bold, Color color, Alignment alignment)
        {
            var t = plot.Add.Text(text, x, height - y);
            t.LabelFontName = FontName;
            t.LabelFontSize = size;
            t.LabelBold = bold;
            t.LabelFontColor = color;
            t.LabelAlignment = alignment;
        }
    }
}
