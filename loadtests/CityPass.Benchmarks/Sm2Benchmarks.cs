using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CityPass.Core.Citizens;
using CityPass.Core.Keys;
using CityPass.Core.Tokens;

namespace CityPass.Benchmarks;

/// <summary>
/// The SM2-SM3 suite (BouncyCastle) beside ES256 (the platform's OpenSSL) doing the same work on
/// passes of the same shape, in the same run: the ratio says what choosing SM2 costs a verifier, and
/// comparing it across BouncyCastle builds says what the library change did, whatever the machine's load.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class Sm2Benchmarks
{
    private PassIssuer _es256Issuer = null!;
    private PassIssuer _sm2Issuer = null!;
    private PassVerifier _verifier = null!;
    private CitizenPassState _citizen;
    private string _es256 = null!;
    private string _sm2 = null!;

    [GlobalSetup]
    public void Setup()
    {
        var clock = new FrozenClock(DateTimeOffset.UtcNow);
        var es256 = IssuerKeySet.Generate(new IssuerId(310000), SignatureSuite.Es256, clock.GetUtcNow().AddDays(-1));
        var sm2 = IssuerKeySet.Generate(new IssuerId(330100), SignatureSuite.Sm2Sm3, clock.GetUtcNow().AddDays(-1));
        _es256Issuer = new PassIssuer(es256, clock);
        _sm2Issuer = new PassIssuer(sm2, clock);
        _verifier = new PassVerifier(new TrustStore([es256.PublicKeys, sm2.PublicKeys]), clock);
        _citizen = new CitizenPassState(CitizenPseudonym.NewRandom(), StatusColour.Green, 7, Credentials.HealthRecord);
        _es256 = _es256Issuer.Issue(_citizen).Text;
        _sm2 = _sm2Issuer.Issue(_citizen).Text;
        if (!_verifier.VerifySignature(_es256).IsValid || !_verifier.VerifySignature(_sm2).IsValid) throw new InvalidOperationException("setup passes do not verify");
    }

    [Benchmark(Baseline = true), BenchmarkCategory("verify")]
    public bool VerifyEs256() => _verifier.VerifySignature(_es256).IsValid;

    [Benchmark, BenchmarkCategory("verify")]
    public bool VerifySm2() => _verifier.VerifySignature(_sm2).IsValid;

    [Benchmark(Baseline = true), BenchmarkCategory("issue")]
    public string IssueEs256() => _es256Issuer.Issue(_citizen).Text;

    [Benchmark, BenchmarkCategory("issue")]
    public string IssueSm2() => _sm2Issuer.Issue(_citizen).Text;
}
