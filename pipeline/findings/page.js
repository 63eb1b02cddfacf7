(function(){
const data=JSON.parse(document.getElementById('examples').textContent);
const drill=document.getElementById('drill');
function show(id,cell){
  const item=data[id]; if(!item) return;
  drill.dataset.cell=id; if(cell) history.replaceState(null,'','#cell='+id);
  drill.querySelector('h3').textContent=item.title;
  drill.querySelector('.count').textContent=item.rows.length+' of '+item.total+' sentences (a random sample, the same on every run)';
  const list=drill.querySelector('ol'); list.replaceChildren();
  for(const r of item.rows){
    const li=document.createElement('li'); const q=document.createElement('div'); q.textContent=r[2]; li.append(q);
    const m=document.createElement('div'); m.className='meta';
    m.textContent=(r[3]?r[3]+' · ':'')+'confidence '+(r[4]==null?'?':Number(r[4]).toFixed(2))+' · '+r[0]+' #'+r[1]+(r[6]?' · '+r[6]:'')+' ';
    if(r[5] && /^https?:\/\//i.test(r[5])){const a=document.createElement('a'); a.href=r[5]; a.textContent='article'; a.rel='noopener noreferrer'; m.append(a);}
    li.append(m); list.append(li);
  }
  drill.hidden=false;
}
drill.querySelector('button').addEventListener('click',()=>{drill.hidden=true;});
document.addEventListener('click',e=>{const c=e.target.closest('td[data-cell]'); if(c) show(c.dataset.cell,c);});
function page(table){
  const size=+table.dataset.page||0; const rows=[...table.tBodies[0].rows];
  if(!size||rows.length<=size) return;
  let at=+(table.dataset.at||0); const pages=Math.ceil(rows.length/size);
  rows.forEach((r,i)=>{r.hidden=Math.floor(i/size)!==at;});
  let bar=table.previousElementSibling;
  if(!bar||!bar.classList.contains('pager')){bar=document.createElement('div'); bar.className='pager'; table.before(bar);}
  bar.replaceChildren();
  const prev=document.createElement('button'); prev.textContent='previous'; prev.disabled=at===0;
  const next=document.createElement('button'); next.textContent='next'; next.disabled=at>=pages-1;
  prev.onclick=()=>{table.dataset.at=at-1; page(table);}; next.onclick=()=>{table.dataset.at=at+1; page(table);};
  bar.append('rows '+(at*size+1)+'-'+Math.min(rows.length,(at+1)*size)+' of '+rows.length+' ', prev, next);
}
function key(cell){const v=cell.dataset.sort; if(v===undefined) return cell.textContent; const n=parseFloat(v); return isNaN(n)?v:n;}
for(const table of document.querySelectorAll('table.sortable')){
  table.tHead.addEventListener('click',e=>{
    const th=e.target.closest('th'); if(!th) return;
    const i=[...th.parentNode.children].indexOf(th); const down=th.dataset.dir!=='down'; th.dataset.dir=down?'down':'up';
    const rows=[...table.tBodies[0].rows];
    rows.sort((a,b)=>{const x=key(a.cells[i]),y=key(b.cells[i]); return (x<y?-1:x>y?1:0)*(down?-1:1);});
    table.tBodies[0].append(...rows); table.dataset.at=0; page(table);
  });
  page(table);
}
// A link to the sentences behind a number: findings.html#cell=c12 opens them.
const linked=/^#cell=(c\d+)$/.exec(location.hash); if(linked) show(linked[1]);
document.documentElement.dataset.ready=Math.round(performance.now());
})();
