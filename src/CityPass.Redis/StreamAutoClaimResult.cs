namespace CityPass.Redis;

/// <summary>XAUTOCLAIM's answer: where to continue scanning ("0-0" when done), the entries now owned, and ids that no longer exist.</summary>
public sealed record StreamAutoClaimResult(string NextStartId, IReadOnlyList<StreamEntry> Entries, IReadOnlyList<string> DeletedIds);
