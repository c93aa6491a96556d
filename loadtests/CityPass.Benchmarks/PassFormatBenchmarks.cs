using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;

namespace CityPass.Benchmarks;

/// <summary>
/// Pass format v2 beside v1 (the baseline) doing the same work in the same run, ES256 keys: issue, verify by MAC
/// (v1's HMAC tag and keystream against v2's per-pass key and AES-GCM open), verify by signature, decode. Target
/// (issue 19): v2 within 1.1x of v1 in each category.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class PassFormatBenchmarks
{
    private FrozenClock _clock = null!;
    private PassIssuer _issuer = null!;
    private PassVerifier _ownVerifier = null!;
    private PassVerifier _offlineVerifier = null!;
    private CitizenPassState _citizen;
    private string _v1 = null!;
    private string _v2 = null!;

    [GlobalSetup]
    public void Setup()
    {
        // A pass lives a minute and a run takes minutes, so the clock stands still.
        _clock = new FrozenClock(DateTimeOffset.UtcNow);
        var keys = IssuerKeySet.Generate(new IssuerId(310000), SignatureSuite.Es256, _clock.GetUtcNow().AddDays(-1));
        _issuer = new PassIssuer(keys, _clock);
        // The window stays open through the run whatever the date: v1 is what is being compared with.
        var options = new PassVerifierOptions { AcceptV1Until = DateTimeOffset.MaxValue };
        _ownVerifier = new PassVerifier(new TrustStore([]), _clock, options, keys);
        _offlineVerifier = new PassVerifier(new TrustStore([keys.PublicKeys]), _clock, options);
        _citizen = new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 7, Credentials.HealthRecord | Credentials.EIdVerified);
        _v1 = IssueV1();
        _v2 = IssueV2();
        foreach (var text in new[] { _v1, _v2 })
        {
            if (!_ownVerifier.VerifyMac(text).IsValid || !_offlineVerifier.VerifySignature(text).IsValid) throw new InvalidOperationException("setup pass does not verify");
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("issue")]
    public string IssueV1() => _issuer.Issue(_citizen, TokenId.NewRandom(), _clock.GetUtcNow(), PassFormat.V1).Text;

    [Benchmark, BenchmarkCategory("issue")]
    public string IssueV2() => _issuer.Issue(_citizen, TokenId.NewRandom(), _clock.GetUtcNow(), PassFormat.V2).Text;

    [Benchmark(Baseline = true), BenchmarkCategory("verify-mac")]
    public bool VerifyByMacV1() => _ownVerifier.VerifyMac(_v1).IsValid;

    [Benchmark, BenchmarkCategory("verify-mac")]
    public bool VerifyByMacV2() => _ownVerifier.VerifyMac(_v2).IsValid;

    [Benchmark(Baseline = true), BenchmarkCategory("verify-signature")]
    public bool VerifyBySignatureV1() => _offlineVerifier.VerifySignature(_v1).IsValid;

    [Benchmark, BenchmarkCategory("verify-signature")]
    public bool VerifyBySignatureV2() => _offlineVerifier.VerifySignature(_v2).IsValid;

    [Benchmark(Baseline = true), BenchmarkCategory("decode")]
    public TokenFailure DecodeV1() => PassVerifier.DecodeUnverified(_v1, out _);

    [Benchmark, BenchmarkCategory("decode")]
    public TokenFailure DecodeV2() => PassVerifier.DecodeUnverified(_v2, out _);
}
