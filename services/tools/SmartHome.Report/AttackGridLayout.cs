namespace SmartHome.Report;

/// <summary>A rectangle in image pixels (y grows downwards, as in the PNG).</summary>
public readonly record struct PixelBox(int Left, int Top, int Width, int Height)
{
    public int Right => Left + Width;

    public int Bottom => Top + Height;

    public double CenterX => Left + Width / 2.0;

    public double CenterY => Top + Height / 2.0;
}

/// <summary>
/// Pixel geometry of the attack-grid PNG: pure arithmetic on the grid's size, so the tests can check the image size
/// and where each cell lands without drawing. Sizes are fixed per cell (not per image) so labels never shrink as the
/// catalogue grows; the image grows instead.
/// </summary>
public sealed record AttackGridLayout(int Rows, int Columns, int Panels)
{
    public const int Margin = 20;
    public const int TitleHeight = 40;

    /// <summary>Pipeline name and its outcome counts.</summary>
    public const int PanelTitleHeight = 52;

    /// <summary>Capability level names above the columns.</summary>
    public const int HeaderHeight = 30;

    /// <summary>Attack names left of the first panel (the longest in the catalogue, "replay-after-restart", is ≈ 150 px at 14 px).</summary>
    public const int LabelWidth = 200;

    /// <summary>Wide enough for <see cref="AttackGridModel.MaxDetailChars"/> characters at the detail font size.</summary>
    public const int CellWidth = 180;

    /// <summary>Two label lines.</summary>
    public const int CellHeight = 46;

    /// <summary>White space between a cell's fill and its neighbours, so equal neighbours still read as separate cells.</summary>
    public const int CellInset = 2;

    public const int PanelGap = 32;
    public const int LegendGap = 18;
    public const int LegendRowHeight = 28;
    public const int LegendColumns = 3;
    public const int LegendEntries = 5;
    public const int NoteHeight = 26;

    public static AttackGridLayout For(AttackGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        return new AttackGridLayout(grid.Attacks.Count, grid.Levels.Count, grid.Panels.Count);
    }

    public int PanelWidth => Columns * CellWidth;

    public int Width => 2 * Margin + LabelWidth + Panels * PanelWidth + Math.Max(0, Panels - 1) * PanelGap;

    public int PanelTitleTop => Margin + TitleHeight;

    public int HeaderTop => PanelTitleTop + PanelTitleHeight;

    public int GridTop => HeaderTop + HeaderHeight;

    public int LegendTop => GridTop + Rows * CellHeight + LegendGap;

    public int LegendRows => (LegendEntries + LegendColumns - 1) / LegendColumns;

    public int LegendEntryWidth => (Width - 2 * Margin) / LegendColumns;

    public int NoteTop => LegendTop + LegendRows * LegendRowHeight;

    public int Height => NoteTop + NoteHeight + Margin;

    public int PanelLeft(int panel) => Margin + LabelWidth + panel * (PanelWidth + PanelGap);

    public PixelBox Panel(int panel) => new(PanelLeft(panel), GridTop, PanelWidth, Rows * CellHeight);

    /// <summary>The cell's whole slot; its fill is this box shrunk by <see cref="CellInset"/> on every side.</summary>
    public PixelBox Cell(int panel, int row, int column) =>
        new(PanelLeft(panel) + column * CellWidth, GridTop + row * CellHeight, CellWidth, CellHeight);

    public PixelBox Fill(int panel, int row, int column)
    {
        var c = Cell(panel, row, column);
        return new PixelBox(c.Left + CellInset, c.Top + CellInset, c.Width - 2 * CellInset, c.Height - 2 * CellInset);
    }

    public PixelBox LegendSwatch(int entry) =>
        new(Margin + entry % LegendColumns * LegendEntryWidth, LegendTop + entry / LegendColumns * LegendRowHeight + 4, 36, 20);
}
