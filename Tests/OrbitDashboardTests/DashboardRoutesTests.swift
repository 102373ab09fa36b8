import Testing

@testable import OrbitDashboard

@Suite struct DashboardRoutesTests {
  @Test func tokensCompareByContentOnly() {
    #expect(DashboardRoutes.constantTimeEqual("abc", "abc"))
    #expect(!DashboardRoutes.constantTimeEqual("abc", "abd"))
    #expect(!DashboardRoutes.constantTimeEqual("abc", "abcd"))
  }
}
