package parser
import ("testing";"path/filepath";"fmt")
func TestZZShow(t *testing.T){
	for _,n:=range []string{"command_and_control_curl_activity_llm_triage.toml","credential_access_okta_brute_force_multi_source.toml"}{
	q:=ruleQuery(t,filepath.Join(sharedDir(t),"rules/elastic-esql-all",n))
	fmt.Println(q); tree,_:=Parse(q); fmt.Println("----"); fmt.Println(tree.String())}
}
