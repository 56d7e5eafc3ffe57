/** AfferentCoupling: the coupling computed after step s (the one step s+1 uses), every step or averaged over `period`. */
export interface AfferentCouplingMonitorSpec { name: 'AfferentCoupling'; period?: number; voi?: number[] }
