using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;

namespace CityPass.Benchmarks;

/// <summary>
/// Each token operation beside the raw primitive it rests on, measured in the same run, so the
/// figures read as ratios on a noisy shared machine. Targets (issue 2): verify by signature at
/// least 0.9x the raw ECDSA verify's speed; verify by MAC at least 10x faster than by signature;
/// decoding allocates nothing.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class PassTokenBenchmarks
{
    private readonly byte[] _signed = new byte[PassTokenV2.SignedLength];
    private readonly byte[] _signature = new byte[PassTokenFormat.SignatureLength];
    // The reference HMAC is v1's tag (prefix, body, signature), kept so the figures compare across runs.
    private readonly byte[] _tagged = new byte[PassTokenV1.TaggedLength];
    private readonly byte[] _hmacOut = new byte[32];
    private readonly byte[] _macKey = RandomNumberGenerator.GetBytes(32);
    private ECDsa _ecdsa = null!;
    private PassIssuer _issuer = null!;
    private PassVerifier _ownVerifier = null!;
    private PassVerifier _offlineVerifier = null!;
    private CitizenPassState _citizen;
    private string _text = null!;

    [GlobalSetup]
    public void Setup()
    {
        // A pass lives a minute and a run takes minutes, so the clock stands still.
        var clock = new FrozenClock(DateTimeOffset.UtcNow);
        var keys = IssuerKeySet.Generate(new IssuerId(310000), SignatureSuite.Es256, clock.GetUtcNow().AddDays(-1));
        _issuer = new PassIssuer(keys, clock);
        _ownVerifier = new PassVerifier(new TrustStore([]), clock, ownKeys: keys);
        _offlineVerifier = new PassVerifier(new TrustStore([keys.PublicKeys]), clock);
        _citizen = new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 7, Credentials.HealthRecord | Credentials.EIdVerified);
        _text = _issuer.Issue(_citizen).Text;

        // The raw primitives, over inputs of exactly the sizes a pass uses.
        _ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        RandomNumberGenerator.Fill(_signed);
        _ecdsa.SignData(_signed, _signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        RandomNumberGenerator.Fill(_tagged);
        if (!_ownVerifier.Verify(_text).IsValid || !_offlineVerifier.Verify(_text).IsValid) throw new InvalidOperationException("setup pass does not verify");
    }

    [GlobalCleanup]
    public void Cleanup() => _ecdsa.Dispose();

    [Benchmark(Baseline = true), BenchmarkCategory("sign")]
    public int RawEcdsaSign() => _ecdsa.SignData(_signed, _signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    [Benchmark, BenchmarkCategory("sign")]
    public string Issue() => _issuer.Issue(_citizen).Text;

    [Benchmark(Baseline = true), BenchmarkCategory("verify-signature")]
    public bool RawEcdsaVerify() => _ecdsa.VerifyData(_signed, _signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    [Benchmark, BenchmarkCategory("verify-signature")]
    public bool VerifyBySignature() => _offlineVerifier.VerifySignature(_text).IsValid;

    [Benchmark(Baseline = true), BenchmarkCategory("verify-mac")]
    public int RawHmacSha256() => HMACSHA256.HashData(_macKey, _tagged, _hmacOut);

    [Benchmark, BenchmarkCategory("verify-mac")]
    public bool VerifyByMac() => _ownVerifier.VerifyMac(_text).IsValid;

    [Benchmark, BenchmarkCategory("verify-mac")]
    public bool VerifyBySignatureForComparison() => _offlineVerifier.VerifySignature(_text).IsValid;

    [Benchmark, BenchmarkCategory("decode")]
    public TokenFailure DecodeOnly() => PassVerifier.DecodeUnverified(_text, out _);
}
