namespace SmartHome.Contracts;

/// <summary>One kind of the mix with its weight (its share of the rate is weight / sum of weights).</summary>
public readonly record struct FloodShare(string Kind, int Weight);
