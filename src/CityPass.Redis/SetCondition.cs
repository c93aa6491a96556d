namespace CityPass.Redis;

/// <summary>When SET writes: always, only if the key is absent (NX, for locks and first-writer-wins), or only if present (XX).</summary>
public enum SetCondition
{
    Always,
    IfNotExists,
    IfExists,
}
